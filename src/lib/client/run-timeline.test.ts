import { describe, expect, test } from 'vitest';
import { TimelineBuilder, waterfallRows } from './run-timeline';
import { ev, happyRun } from './test-events';

const RUN = 'runaaaaaaaaa';

describe('TimelineBuilder', () => {
	test('folds a run into queue wait, nodes, time to first token and decode, placed on the run’s extent', () => {
		const t = new TimelineBuilder();
		happyRun(RUN).forEach((e, i) => t.apply({ ...e, ts: 1000 + i * 10 }));
		const snap = t.snapshot();
		const labels = snap.segments.map((s) => s.label);
		expect(labels.slice(0, 2)).toEqual(['Queue wait', 'Task analysis']);
		expect(labels).toContain('Time to first token');
		expect(labels).toContain('Decode');
		expect(labels.at(-1)).toBe('Summary');
		expect(snap.segments.every((s) => s.end !== null)).toBe(true);
		const ttft = snap.segments.find((s) => s.kind === 'first-token')!;
		expect(ttft.end! - ttft.start).toBe(20); // executor started at #12, first tokens at #14
		expect(snap.segments.find((s) => s.kind === 'decode')!.note).toBe('2 tokens · 850.0 tok/s'); // the answer's figure
		const { rows, totalMs } = waterfallRows(snap);
		expect(totalMs).toBe(230);
		expect(rows[0]).toMatchObject({ label: 'Queue wait', leftPct: 0, running: false });
		expect(rows.at(-1)!.leftPct + rows.at(-1)!.widthPct).toBeLessThanOrEqual(100.5);
	});

	test('a live run: open segments end at the newest event; model loads, approval waits and retries get their own rows', () => {
		const t = new TimelineBuilder();
		t.apply(ev(RUN, 1, 'run.queued', { roomId: 'r', mode: 'direct', prompt: 'p', authorId: 'u', parentRunId: null }, 0));
		t.apply(ev(RUN, 2, 'run.started', {}, 50));
		t.apply(ev(RUN, 3, 'run.interrupted', { kind: 'approval', modelId: 'sy-code', reasons: [], fallbacks: [] }, 60));
		t.apply(ev(RUN, 4, 'run.resumed', { by: 'u', decision: { action: 'approve' } }, 160));
		t.apply(ev(RUN, 5, 'node.started', { node: 'executor' }, 170));
		t.apply(ev(RUN, 6, 'model.loading', { modelId: 'sy-code' }, 171));
		t.apply(ev(RUN, 7, 'model.loaded', { modelId: 'sy-code', cacheHit: false, loadWaitMs: 80, queueWaitMs: 0 }, 251));
		t.apply(ev(RUN, 8, 'tokens', { modelId: 'sy-code', text: 'a', count: 4 }, 300));
		t.apply(ev(RUN, 9, 'tokens', { modelId: 'sy-code', text: 'b', count: 4 }, 700));
		const live = waterfallRows(t.snapshot());
		expect(live.rows.map((r) => [r.label, r.ms, r.running])).toEqual([
			['Queue wait', 50, false],
			['Waiting for approval', 100, false],
			['Executor', 530, true],
			['Time to first token', 130, false],
			['Load sy-code', 80, false],
			['Decode', 400, true]
		]);
		expect(t.tokensPerSecond).toBe(20);
		t.apply(ev(RUN, 10, 'node.finished', { node: 'executor', ms: 540, output: {} }, 710));
		t.apply(ev(RUN, 11, 'retry', { attempt: 1, reason: 'failed checks', modelId: 'sy-code' }, 720));
		t.apply(ev(RUN, 12, 'node.started', { node: 'executor' }, 730));
		expect(
			t
				.snapshot()
				.segments.map((s) => s.label)
				.slice(-3)
		).toEqual(['Retry 1', 'Executor (attempt 2)', 'Time to first token']);
	});
});
