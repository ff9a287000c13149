import { describe, expect, it } from 'vitest';
import { metrics as runMetrics } from '../../../src/lib/client/test-events';
import type { RunStateType } from '../state';
import { withinApiLimits } from './api-limits';
import { planAfterExecution } from './output-validator';

const metrics = runMetrics({ timeToFirstTokenMs: 5, tokensPerSecond: 100, loadWaitMs: 0, completionTokens: 20, totalMs: 50 });
const cut = {
	modelId: 'a',
	text: 'The first phase builds two bus corridors and the second phase adds a light rail line to',
	finishReason: 'length',
	metrics
};
const loop = {
	modelId: 'a',
	text: Array.from({ length: 12 }, () => 'the model cache keeps the model').join(' '),
	finishReason: 'stop',
	metrics
};
const state = (over: Partial<RunStateType> = {}) =>
	({
		mode: 'orchestrated',
		analysis: { task: 'chat' },
		routing: { modelId: 'a', reasons: [], fallbacks: [{ modelId: 'b', score: 1 }] },
		tried: ['a'],
		attempt: 1,
		sampling: { temperature: 0.7, maxTokens: 16 },
		answer: cut,
		compare: [],
		error: null,
		request: { prompt: 'p', mode: 'orchestrated', sampling: { maxTokens: 16 }, approvalGate: false },
		...over
	}) as unknown as RunStateType;
const api = (streamed: boolean, over: Partial<RunStateType> = {}) =>
	state({
		request: { prompt: 'p', mode: 'orchestrated', sampling: { maxTokens: 16 }, approvalGate: false, apiLimits: { streamed } },
		...over
	});

describe('API limits on the retry ladder', () => {
	it('a room run retries a cut-off answer with more tokens; an API run returns it as is, within max_tokens', () => {
		expect(planAfterExecution(state()).update).toMatchObject({ outcome: 'retry', sampling: { maxTokens: 32 } });
		for (const streamed of [false, true]) {
			const { events, update } = planAfterExecution(api(streamed));
			expect(update.outcome).toBe('accept');
			expect(update.sampling).toBeUndefined(); // max_tokens never raised
			expect(events.map((e) => e.type)).toEqual(['validation.result', 'run.answer']);
			expect(events[1].data).toMatchObject({ finishReason: 'length', text: cut.text });
		}
	});

	it('a streamed API answer that already sent text is never followed by a second attempt', () => {
		const plan = planAfterExecution(api(true, { answer: loop }));
		expect(plan.update.outcome).toBe('give-up');
		expect(plan.events.map((e) => e.type)).toEqual(['validation.result', 'run.answer']);
		// Not streamed, the same answer may still move on to another model: the caller sees only the final answer.
		expect(planAfterExecution(api(false, { answer: loop })).update).toMatchObject({ outcome: 'next-model', modelId: 'b' });
	});

	it('a streamed attempt that sent nothing may still be retried', () => {
		const empty = { ...cut, text: '', finishReason: 'stop' };
		expect(planAfterExecution(api(true, { answer: empty })).update).toMatchObject({ outcome: 'retry', attempt: 2 });
		expect(planAfterExecution(api(true, { answer: null, error: { code: 'load_failed', message: 'x' } })).update).toMatchObject({
			outcome: 'next-model'
		});
	});

	it('leaves accept and give-up alone, and every step alone without limits', () => {
		const retry = { action: 'retry', reason: 'r', maxTokensFactor: 2 } as const;
		const validation = { retry: { reason: 'r', adjust: { maxTokensFactor: 2 } } };
		expect(withinApiLimits(retry, undefined, validation, cut)).toBe(retry);
		const accept = { action: 'accept', reason: 'ok' } as const;
		expect(withinApiLimits(accept, { streamed: true }, validation, cut)).toBe(accept);
		expect(withinApiLimits(retry, { streamed: false }, validation, cut)).toEqual({
			action: 'accept',
			reason: "cut off at the caller's max_tokens: returned as is (r)"
		});
	});
});
