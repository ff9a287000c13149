import { describe, expect, it } from 'vitest';
import { metrics as runMetrics } from '../../src/lib/client/test-events';
import { settleRun } from './settle';
import type { RunStateType } from './state';

const metrics = runMetrics({ timeToFirstTokenMs: 5, tokensPerSecond: 100, loadWaitMs: 0, completionTokens: 20, totalMs: 50 });
const state = (over: Partial<RunStateType> = {}) =>
	({
		modelId: 'sy-tiny',
		analysis: { task: 'chat' },
		answer: { modelId: 'sy-tiny', text: 'An answer.', finishReason: 'stop', metrics },
		summary: { title: 'T', summary: 'S' },
		outcome: 'accept',
		rejected: false,
		decision: null,
		error: null,
		...over
	}) as unknown as RunStateType;
const run = { interrupted: false, aborted: false, cancelledBy: undefined };

describe('settleRun', () => {
	it('an accepted answer succeeds and keeps answer, title, summary and metrics', () => {
		const s = settleRun(state(), run);
		expect(s).toMatchObject({
			kind: 'answered',
			status: 'succeeded',
			row: { answer: 'An answer.', title: 'T', summary: 'S', model_id: 'sy-tiny', task: 'chat' }
		});
	});

	it('an answer that failed validation on every attempt ends as failed_validation, still with its answer', () => {
		expect(settleRun(state({ outcome: 'give-up' }), run)).toMatchObject({
			kind: 'answered',
			status: 'failed_validation',
			row: { answer: 'An answer.' }
		});
	});

	it('waits at the approval gate', () => {
		expect(settleRun(state({ answer: null }), { ...run, interrupted: true })).toMatchObject({
			kind: 'waiting',
			row: { status: 'waiting_approval' }
		});
	});

	it('a rejection is a cancel with the reason', () => {
		const s = settleRun(state({ rejected: true, decision: { action: 'reject', reason: 'too big' } }), run);
		expect(s).toEqual({ kind: 'cancelled', row: { model_id: 'sy-tiny', task: 'chat' }, data: { reason: 'rejected: too big', by: null } });
	});

	it('a cancel keeps the partial answer and who cancelled', () => {
		const s = settleRun(state({ answer: { modelId: 'sy-tiny', text: 'Part', finishReason: 'cancelled', metrics } }), {
			...run,
			cancelledBy: 'u1'
		});
		expect(s).toMatchObject({ kind: 'cancelled', row: { answer: 'Part' }, data: { by: 'u1' } });
	});

	it('no answer is a failure with the error the nodes recorded', () => {
		expect(settleRun(state({ answer: null, error: { code: 'no_model', message: 'Nothing fits' } }), run)).toMatchObject({
			kind: 'failed',
			data: { error: 'Nothing fits', code: 'no_model' }
		});
	});
});
