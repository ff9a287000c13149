// The orchestrator's seven nodes and their edges, laid out once with dagre, and each edge's state for a run.
import dagre from '@dagrejs/dagre';
import { NODE_NAMES, type NodeName } from '../contract/runs';
import type { RunView } from './run-view.svelte';

export interface GraphEdgeDef {
	id: string;
	source: NodeName;
	target: NodeName;
	/** The validator → executor retry loop (drawn apart, not part of the layout). */
	retry?: boolean;
}

const FIRST_STAGE: NodeName[] = ['taskAnalyzer', 'historyReader', 'resourceMonitor'];

export const GRAPH_EDGES: GraphEdgeDef[] = [
	...FIRST_STAGE.map((n) => ({ id: `${n}-modelRouter`, source: n, target: 'modelRouter' as NodeName })),
	{ id: 'modelRouter-executor', source: 'modelRouter', target: 'executor' },
	{ id: 'executor-outputValidator', source: 'executor', target: 'outputValidator' },
	{ id: 'outputValidator-summarizer', source: 'outputValidator', target: 'summarizer' },
	{ id: 'outputValidator-executor', source: 'outputValidator', target: 'executor', retry: true }
];

export const NODE_LABELS: Record<NodeName, string> = {
	taskAnalyzer: 'Task analyzer',
	historyReader: 'History reader',
	resourceMonitor: 'Resource monitor',
	modelRouter: 'Model router',
	executor: 'Executor',
	outputValidator: 'Output validator',
	summarizer: 'Summarizer'
};

/** What fits on a node in the graph (the full label is in its details and accessible name). */
export const NODE_SHORT_LABELS: Record<NodeName, string> = {
	taskAnalyzer: 'Analysis',
	historyReader: 'History',
	resourceMonitor: 'Resources',
	modelRouter: 'Router',
	executor: 'Executor',
	outputValidator: 'Validator',
	summarizer: 'Summarizer'
};

export const NODE_WIDTH = 136;
export const NODE_HEIGHT = 54;

/** Top-left positions of the nodes, left to right (`LR`) or top to bottom (`TB`). */
export function layoutGraph(direction: 'LR' | 'TB' = 'LR'): Record<NodeName, { x: number; y: number }> {
	const g = new dagre.graphlib.Graph();
	g.setGraph({ rankdir: direction, nodesep: 14, ranksep: 34, marginx: 8, marginy: 8 });
	g.setDefaultEdgeLabel(() => ({}));
	for (const n of NODE_NAMES) g.setNode(n, { width: NODE_WIDTH, height: NODE_HEIGHT });
	for (const e of GRAPH_EDGES) if (!e.retry) g.setEdge(e.source, e.target);
	dagre.layout(g);
	const positions = Object.fromEntries(
		NODE_NAMES.map((n) => {
			const { x, y } = g.node(n);
			return [n, { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 }];
		})
	) as Record<NodeName, { x: number; y: number }>;
	// dagre orders a rank's nodes as it likes: keep the first stage in the graph's own order (reading order).
	const axis = direction === 'LR' ? 'y' : 'x';
	const slots = FIRST_STAGE.map((n) => positions[n][axis]).sort((a, b) => a - b);
	FIRST_STAGE.forEach((n, i) => (positions[n] = { ...positions[n], [axis]: slots[i] }));
	return positions;
}

/** `active`: the run is moving along it now; `taken`: it was traversed; `idle`: not (yet). */
export type EdgeState = 'active' | 'taken' | 'idle';

export function edgeState(view: RunView | null, edge: GraphEdgeDef): EdgeState {
	if (!view) return 'idle';
	const source = view.nodes[edge.source].status;
	const target = view.nodes[edge.target].status;
	if (edge.retry) {
		if (view.retrying) return target === 'running' || source === 'done' || source === 'running' ? 'active' : 'taken';
		return view.retries.length > 0 ? 'taken' : 'idle';
	}
	const moving = target === 'running' || target === 'waiting';
	if (moving && source === 'done' && !(edge.target === 'executor' && view.retrying)) return 'active';
	if ((source === 'done' || source === 'skipped') && (target === 'done' || target === 'failed' || moving)) return 'taken';
	return 'idle';
}
