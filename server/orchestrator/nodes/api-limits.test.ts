import { describe, expect, it } from 'vitest';
import { metrics as runMetrics } from '../../../src/lib/client/test-events';
import type { RunStateType } from '../state';
import { withRunContext, type RunContext } from '../run-context';
import { mayRetryFailure, withinApiLimits } from './api-limits';
import { executorNode } from './executor';
import type { NodeDeps } from './node-deps';
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

describe('a streamed API attempt that fails after sending text', () => {
	const events: string[] = [];
	const ctx: RunContext = {
		runId: 'r',
		roomId: 'room',
		signal: new AbortController().signal,
		emit: (type) => void events.push(type),
		track: (work) => work
	};
	const failing = (sendFirst: boolean) =>
		({
			executeOnModel: async (input) => {
				if (sendFirst) input.ctx.emit('tokens', { modelId: 'a', text: 'Hel', count: 1 });
				throw new Error('worker lost');
			},
			unavailable: (err: unknown) => ({ code: 'load_failed', message: (err as Error).message })
		}) as Partial<NodeDeps> as NodeDeps;
	const run = (deps: NodeDeps, streamed: boolean) =>
		executorNode(deps)(
			api(streamed, { mode: 'orchestrated', modelId: 'a', history: null, prompt: 'p', sampling: {} } as Partial<RunStateType>),
			withRunContext('r', ctx)
		);

	it('records whether the attempt had streamed text, and passes the no-restart rule down', async () => {
		let asked: boolean | undefined;
		const deps = failing(true);
		const spy = {
			...deps,
			executeOnModel: (input: Parameters<NodeDeps['executeOnModel']>[0]) => ((asked = input.noRestartAfterText), deps.executeOnModel(input))
		};
		expect((await run(spy, true)).error).toEqual({ code: 'load_failed', message: 'worker lost', afterText: true });
		expect(asked).toBe(true);
		expect(events).toEqual(['tokens']); // the text still reached the room
		expect((await run(failing(false), false)).error).toMatchObject({ afterText: false });
	});

	it('is not followed by another model when streamed; it may be otherwise', () => {
		const failed = { answer: null, error: { code: 'load_failed', message: 'worker lost', afterText: true } };
		expect(planAfterExecution(api(true, failed)).update).toEqual({ outcome: 'give-up' });
		expect(planAfterExecution(api(false, failed)).update).toMatchObject({ outcome: 'next-model', modelId: 'b' });
		expect(planAfterExecution(state(failed)).update).toMatchObject({ outcome: 'next-model' });
		expect(mayRetryFailure({ streamed: true }, { afterText: false })).toBe(true);
		expect(mayRetryFailure(undefined, { afterText: true })).toBe(true);
	});
});
