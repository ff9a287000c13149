import type { NodeName } from '../../src/lib/contract/runs';
import type { RunGraph } from './graph';

/** The checkpoint of a run just before `node` ran (walking back from the latest), or undefined if it never got there. */
export async function snapshotBefore(graph: RunGraph, runId: string, node: NodeName) {
	let snapshot = await graph.getState({ configurable: { thread_id: runId } });
	for (let guard = 0; snapshot && guard < 200; guard++) {
		if (snapshot.next.includes(node)) return snapshot;
		if (!snapshot.parentConfig) return undefined;
		snapshot = await graph.getState(snapshot.parentConfig);
	}
	return undefined;
}
