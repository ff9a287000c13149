// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { NODE_NAMES } from '../contract/runs';
import { edgeState, GRAPH_EDGES, layoutGraph, NODE_WIDTH } from './run-graph';
import { RunView } from './run-view.svelte';
import { ev, happyRun, ROOM } from './test-events';

const RUN = 'runaaaaaaaaa';
const edge = (id: string) => GRAPH_EDGES.find((e) => e.id === id)!;

describe('run graph', () => {
	test('layout: the first stage shares a column before the router; the chain runs left to right', () => {
		const p = layoutGraph();
		expect(Object.keys(p).sort()).toEqual([...NODE_NAMES].sort());
		expect(p.taskAnalyzer.x).toBe(p.historyReader.x);
		expect(p.historyReader.x).toBe(p.resourceMonitor.x);
		expect(p.taskAnalyzer.y).toBeLessThan(p.historyReader.y);
		expect(p.historyReader.y).toBeLessThan(p.resourceMonitor.y);
		const chain = ['taskAnalyzer', 'modelRouter', 'executor', 'outputValidator', 'summarizer'] as const;
		for (let i = 1; i < chain.length; i++) expect(p[chain[i]].x).toBeGreaterThanOrEqual(p[chain[i - 1]].x + NODE_WIDTH);
		const top = layoutGraph('TB');
		expect(top.summarizer.y).toBeGreaterThan(top.modelRouter.y);
	});

	test('edges: seven, one of them the retry loop', () => {
		expect(GRAPH_EDGES).toHaveLength(7);
		expect(GRAPH_EDGES.filter((e) => e.retry).map((e) => e.id)).toEqual(['outputValidator-executor']);
	});

	test('the edge into the running node animates; traversed ones are taken', () => {
		const events = happyRun(RUN);
		const view = new RunView(RUN);
		expect(edgeState(null, edge('modelRouter-executor'))).toBe('idle');
		for (const e of events.slice(0, 12)) view.apply(e); // executor started
		expect(edgeState(view, edge('modelRouter-executor'))).toBe('active');
		expect(edgeState(view, edge('taskAnalyzer-modelRouter'))).toBe('taken');
		expect(edgeState(view, edge('executor-outputValidator'))).toBe('idle');
		expect(edgeState(view, edge('outputValidator-executor'))).toBe('idle');
	});

	test('a retry animates the loop back into the executor instead of the router edge', () => {
		const view = new RunView(RUN);
		let seq = 0;
		const add = (type: Parameters<typeof ev>[2], data: unknown) => view.apply(ev(RUN, ++seq, type, data as never));
		add('run.queued', { roomId: ROOM, mode: 'orchestrated', prompt: 'p', authorId: 'u', parentRunId: null });
		add('node.started', { node: 'modelRouter' });
		add('node.finished', { node: 'modelRouter', ms: 1, output: {} });
		add('node.started', { node: 'executor' });
		add('node.finished', { node: 'executor', ms: 1, output: {} });
		add('node.started', { node: 'outputValidator' });
		add('retry', { attempt: 2, reason: 'low score', modelId: 'b' });
		add('node.finished', { node: 'outputValidator', ms: 1, output: {} });
		add('node.started', { node: 'executor' });
		expect(edgeState(view, edge('outputValidator-executor'))).toBe('active');
		expect(edgeState(view, edge('modelRouter-executor'))).toBe('taken');
		add('node.finished', { node: 'executor', ms: 1, output: {} });
		add('node.started', { node: 'outputValidator' });
		expect(edgeState(view, edge('outputValidator-executor'))).toBe('taken');
		expect(edgeState(view, edge('executor-outputValidator'))).toBe('active');
	});
});
