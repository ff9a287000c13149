// The graph's nodes as a run view holds them: what each one is doing and what it said.
import { NODE_NAMES, type NodeName } from '../contract/runs';

/** `inherited`: a fork took this node's result from its parent run (it does not run again). */
export type NodeStatus = 'idle' | 'running' | 'done' | 'failed' | 'waiting' | 'skipped' | 'inherited';

export interface NodeState {
	status: NodeStatus;
	/** Duration of the last finished (or failed) execution. */
	ms: number | null;
	/** The node's compact output (node.finished), or null. */
	output: Record<string, unknown> | null;
	/** Why it was skipped, or the error it failed with. */
	note: string | null;
	/** How many times it started (the executor and validator run again on a retry). */
	starts: number;
}

const idleNode = (): NodeState => ({ status: 'idle', ms: null, output: null, note: null, starts: 0 });

/** Every node idle: a run before its first event. */
export const initialNodes = () => Object.fromEntries(NODE_NAMES.map((n) => [n, idleNode()])) as Record<NodeName, NodeState>;
