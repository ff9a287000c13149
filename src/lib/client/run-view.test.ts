// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { RunView } from './run-view.svelte';
import { ev, happyRun, metrics, ROOM, summary } from './test-events';

const RUN = 'runaaaaaaaaa';

describe('RunView', () => {
	test('a whole run: nodes go running → done in order, tokens stream, the answer and summary land', () => {
		const view = new RunView(RUN);
		const events = happyRun(RUN);
		const executorStart = events.findIndex((e) => e.type === 'node.started' && e.data.node === 'executor');
		for (const e of events.slice(0, executorStart + 1)) expect(view.apply(e)).toBe('applied');
		expect(view.status).toBe('running');
		expect(view.nodes.taskAnalyzer).toMatchObject({ status: 'done', ms: 1.5, output: { task: 'chat' } });
		expect(view.nodes.executor.status).toBe('running');
		expect(view.nodes.summarizer.status).toBe('idle');
		expect(view.currentNode).toBe('executor');
		expect(view.routing?.modelId).toBe('sy-chat-small');

		for (const e of events.slice(executorStart + 1)) view.apply(e);
		expect(view.status).toBe('succeeded');
		expect(view.text).toBe('Hello **world**');
		expect(view.summary?.title).toBe('Hello');
		expect(view.title).toBe('Hello');
		expect(view.metrics?.tokensPerSecond).toBe(850);
		expect(Object.values(view.nodes).every((n) => n.status === 'done')).toBe(true);
		expect(view.lastSeq).toBe(events.length);
		expect(view.terminal).toBe(true);
	});

	test('duplicates are ignored and out-of-order events wait for the gap to fill', () => {
		const view = new RunView(RUN);
		const [q, s, a, b] = happyRun(RUN);
		expect(view.apply(q)).toBe('applied');
		expect(view.apply(q)).toBe('duplicate');
		expect(view.apply(a)).toBe('gap');
		expect(view.apply(b)).toBe('gap');
		expect(view.apply(b)).toBe('duplicate');
		expect(view.hasGap).toBe(true);
		expect(view.lastSeq).toBe(1);
		expect(view.nodes.taskAnalyzer.status).toBe('idle');
		expect(view.apply(s)).toBe('applied');
		expect(view.lastSeq).toBe(4);
		expect(view.hasGap).toBe(false);
		expect(view.nodes.taskAnalyzer.status).toBe('running');
		expect(view.nodes.historyReader.status).toBe('running');
	});

	test('onApplied hears every event that becomes part of the view, drained ones included, in order', () => {
		const view = new RunView(RUN);
		const seen: number[] = [];
		view.onApplied = (e) => seen.push(e.seq);
		const [q, s, a] = happyRun(RUN);
		view.apply(q);
		view.apply(a);
		view.apply(s);
		expect(seen).toEqual([1, 2, 3]);
	});

	test('a retry clears the attempt’s streamed text and marks the retry edge until the validator runs again', () => {
		const view = new RunView(RUN);
		let seq = 0;
		const e = <T extends Parameters<typeof ev>[2]>(type: T, data: Parameters<typeof ev<T>>[3]) => view.apply(ev(RUN, ++seq, type, data));
		e('run.queued', { roomId: ROOM, mode: 'orchestrated', prompt: 'p', authorId: 'u', parentRunId: null });
		e('node.started', { node: 'executor' });
		e('tokens', { modelId: 'a', text: 'bad answer', count: 2 });
		e('node.finished', { node: 'executor', ms: 3, output: {} });
		e('node.started', { node: 'outputValidator' });
		e('validation.result', { modelId: 'a', ok: false, score: 0.1, findings: [{ code: 'empty', severity: 'error', message: 'Too short' }] });
		e('retry', { attempt: 2, reason: 'low score', modelId: 'b', temperature: 0.2 });
		expect(view.text).toBe('');
		expect(view.retrying).toBe(true);
		expect(view.modelId).toBe('b');
		e('node.finished', { node: 'outputValidator', ms: 1, output: { outcome: 'retry' } });
		e('node.started', { node: 'executor' });
		expect(view.nodes.executor).toMatchObject({ status: 'running', starts: 2 });
		e('tokens', { modelId: 'b', text: 'better', count: 1 });
		expect(view.text).toBe('better');
		e('node.finished', { node: 'executor', ms: 3, output: {} });
		e('node.started', { node: 'outputValidator' });
		expect(view.retrying).toBe(false);
		expect(view.retries).toHaveLength(1);
	});

	test('approval: the router waits, then runs again after resume', () => {
		const view = new RunView(RUN);
		const base = happyRun(RUN).slice(0, 9); // …node.started modelRouter
		for (const e of base) view.apply(e);
		view.apply(
			ev(RUN, 10, 'run.interrupted', {
				kind: 'approval',
				modelId: 'sy-chat-small',
				reasons: ['best fit'],
				fallbacks: [{ modelId: 'sy-code', score: 0.4 }]
			})
		);
		expect(view.status).toBe('waiting_approval');
		expect(view.nodes.modelRouter.status).toBe('waiting');
		expect(view.interruption?.reasons).toEqual(['best fit']);
		view.apply(ev(RUN, 11, 'run.resumed', { by: 'u', decision: { action: 'approve' } }));
		expect(view.interruption).toBeNull();
		expect(view.status).toBe('running');
		expect(view.nodes.modelRouter.status).toBe('idle');
		view.apply(ev(RUN, 12, 'run.started', {}));
		view.apply(ev(RUN, 13, 'node.started', { node: 'modelRouter' }));
		expect(view.nodes.modelRouter.status).toBe('running');
	});

	test('skipped and failed nodes; cancel settles running nodes', () => {
		const view = new RunView(RUN);
		view.apply(ev(RUN, 1, 'run.queued', { roomId: ROOM, mode: 'direct', prompt: 'p', authorId: 'u', parentRunId: null }));
		view.apply(ev(RUN, 2, 'node.skipped', { node: 'taskAnalyzer', reason: 'direct mode' }));
		view.apply(ev(RUN, 3, 'node.failed', { node: 'historyReader', ms: 4, error: 'The step failed' }));
		view.apply(ev(RUN, 4, 'node.started', { node: 'executor' }));
		view.apply(ev(RUN, 5, 'run.cancelled', { by: 'u', reason: 'cancelled by a member' }));
		expect(view.nodes.taskAnalyzer).toMatchObject({ status: 'skipped', note: 'direct mode' });
		expect(view.nodes.historyReader).toMatchObject({ status: 'failed', note: 'The step failed' });
		expect(view.nodes.executor).toMatchObject({ status: 'failed', note: 'cancelled' });
		expect(view.status).toBe('cancelled');
		expect(view.cancellation?.reason).toBe('cancelled by a member');
	});

	test('compare mode streams per model and keeps each model’s answer', () => {
		const view = new RunView(RUN);
		view.apply(ev(RUN, 1, 'run.queued', { roomId: ROOM, mode: 'compare', prompt: 'p', authorId: 'u', parentRunId: null }));
		view.apply(ev(RUN, 2, 'tokens', { modelId: 'a', text: 'one', count: 1 }));
		view.apply(ev(RUN, 3, 'tokens', { modelId: 'b', text: 'two', count: 1 }));
		view.apply(ev(RUN, 4, 'tokens', { modelId: 'a', text: ' more', count: 1 }));
		expect(view.streams).toEqual({ a: 'one more', b: 'two' });
		view.apply(ev(RUN, 5, 'compare.answer', { modelId: 'b', text: 'two', finishReason: 'stop', metrics: metrics(), score: 0.5 }));
		view.apply(ev(RUN, 6, 'compare.answer', { modelId: 'a', text: 'one more', finishReason: 'stop', metrics: metrics(), score: 0.7 }));
		view.apply(ev(RUN, 7, 'compare.answer', { modelId: 'a', text: 'one more', finishReason: 'stop', metrics: metrics(), score: 0.7 }));
		expect(view.compareAnswers.map((a) => a.modelId)).toEqual(['b', 'a']);
		expect(view.compareModels).toEqual(['a', 'b']);
		expect(view.bestModel).toBeNull();
		view.apply(ev(RUN, 8, 'run.finished', { status: 'succeeded', modelId: 'a', metrics: metrics() }));
		expect(view.bestModel).toBe('a');
	});

	test('fromSummary seeds a view that its replayed events complete', () => {
		const view = RunView.fromSummary(summary(RUN, { status: 'succeeded', title: 'Stored title', prompt: 'Hi there' }));
		expect(view.lastSeq).toBe(0);
		expect(view.title).toBe('Stored title');
		expect(view.terminal).toBe(true);
		const full = RunView.fromEvents(RUN, happyRun(RUN));
		expect(full.status).toBe('succeeded');
		expect(() => view.apply(ev('runbbbbbbbbb', 1, 'run.started', {}))).toThrow();
	});

	test('a fork shows the nodes before its fork point as inherited; the fork node and later ones run', () => {
		const view = new RunView(RUN);
		view.apply(
			ev(RUN, 1, 'run.queued', {
				roomId: ROOM,
				mode: 'orchestrated',
				prompt: 'p',
				authorId: 'u',
				parentRunId: 'runparent',
				forkedFromNode: 'executor'
			})
		);
		expect(view.forkedFromNode).toBe('executor');
		for (const n of ['taskAnalyzer', 'historyReader', 'resourceMonitor', 'modelRouter'] as const)
			expect(view.nodes[n].status).toBe('inherited');
		expect(view.nodes.executor.status).toBe('idle');
		expect(view.nodes.summarizer.status).toBe('idle');
		const fromFirstStage = RunView.fromSummary(summary(RUN, { parentRunId: 'runparent', forkedFromNode: 'historyReader' }));
		expect(fromFirstStage.nodes.taskAnalyzer.status).toBe('inherited');
		expect(fromFirstStage.nodes.historyReader.status).toBe('idle');
		expect(fromFirstStage.nodes.modelRouter.status).toBe('idle');
	});
});
