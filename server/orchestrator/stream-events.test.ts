import { describe, expect, it } from 'vitest';
import recorded from './fixtures/task-chunks.json';
import { TaskStreamTranslator, type TaskChunk } from './stream-events';

// Chunks recorded from real runs of the graph (streamMode "tasks"), with each task's input state left out.
const chunks = recorded as unknown as Record<'orchestrated' | 'approval', TaskChunk[]>;

function translateAll(list: TaskChunk[]) {
	let clock = 0;
	const translator = new TaskStreamTranslator(() => (clock += 5));
	return list.flatMap((c) => translator.translate(c));
}

describe('TaskStreamTranslator', () => {
	it('turns a whole run into node events in stream order, with the router decision and the summary', () => {
		const events = translateAll(chunks.orchestrated);
		const types = events.map((e) => e.type);
		expect(types.filter((t) => t === 'node.started')).toHaveLength(7);
		expect(types.filter((t) => t === 'node.finished')).toHaveLength(7);
		expect(types.indexOf('routing.decided')).toBe(types.lastIndexOf('node.finished', types.indexOf('routing.decided')) + 1);
		expect(types.at(-1)).toBe('run.summary');
		const finished = events.filter((e) => e.type === 'node.finished').map((e) => e.data as { node: string; ms: number });
		expect(finished.map((f) => f.node).slice(-4)).toEqual(['modelRouter', 'executor', 'outputValidator', 'summarizer']);
		for (const f of finished) expect(f.ms).toBeGreaterThan(0); // each result is matched with its own start
	});

	it('reports the approval interrupt instead of a finished router', () => {
		const events = translateAll(chunks.approval);
		const last = events.at(-1)!;
		expect(last.type).toBe('run.interrupted');
		expect(last.data).toMatchObject({ kind: 'approval', modelId: expect.stringMatching(/^sy-/) });
		expect(events.some((e) => e.type === 'node.finished' && (e.data as { node: string }).node === 'modelRouter')).toBe(false);
	});

	it('reports skipped nodes, failed nodes, and ignores tasks that are not graph nodes', () => {
		const t = new TaskStreamTranslator(() => 0);
		expect(t.translate({ id: 'x', name: '__start__' })).toEqual([]);
		expect(t.translate({ id: 'a', name: 'taskAnalyzer', result: { skipped: [{ node: 'taskAnalyzer', reason: 'direct mode' }] } })).toEqual([
			{ type: 'node.skipped', data: { node: 'taskAnalyzer', reason: 'direct mode' } }
		]);
		expect(t.translate({ id: 'b', name: 'executor', error: new Error('boom') })).toEqual([
			{ type: 'node.failed', data: { node: 'executor', ms: 0, error: 'The step failed' } }
		]);
	});
});
