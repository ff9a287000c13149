import { describe, expect, it } from 'vitest';
import { metrics as runMetrics } from '../../../src/lib/client/test-events';
import type { RunStateType } from '../state';
import { compareRecords } from './executor';
import { applyApproval } from './model-router';
import { MAX_ATTEMPTS, planAfterExecution } from './output-validator';

const metrics = runMetrics({ timeToFirstTokenMs: 5, tokensPerSecond: 100, loadWaitMs: 0, completionTokens: 20, totalMs: 50 });
const prose = 'The capital of Australia is Canberra. It was chosen as a compromise between Sydney and Melbourne in 1908.';
const state = (over: Partial<RunStateType> = {}) =>
	({
		mode: 'orchestrated',
		analysis: { task: 'chat' },
		routing: {
			modelId: 'a',
			reasons: [],
			fallbacks: [
				{ modelId: 'b', score: 1 },
				{ modelId: 'c', score: 0.5 }
			]
		},
		tried: ['a'],
		attempt: 1,
		sampling: { temperature: 0.7, maxTokens: 100 },
		answer: { modelId: 'a', text: prose, finishReason: 'stop', metrics },
		compare: [],
		error: null,
		...over
	}) as unknown as RunStateType;

describe('planAfterExecution', () => {
	it('accepts a good answer and announces it', () => {
		const { events, update } = planAfterExecution(state());
		expect(update).toMatchObject({ outcome: 'accept', validation: { ok: true } });
		expect(events.map((e) => e.type)).toEqual(['validation.result', 'run.answer']);
	});

	it('a cut-off answer retries the same model with twice the tokens, capped at the request limit', () => {
		const cut = {
			modelId: 'a',
			text: 'The first phase builds two bus corridors and the second phase adds a light rail line to',
			finishReason: 'length',
			metrics
		};
		expect(planAfterExecution(state({ answer: cut })).update).toMatchObject({ outcome: 'retry', attempt: 2, sampling: { maxTokens: 200 } });
		expect(planAfterExecution(state({ answer: cut, sampling: { maxTokens: 6000 } })).update).toMatchObject({
			sampling: { maxTokens: 8192 }
		});
	});

	it('a missing answer moves to the first fallback not yet tried, and gives up at the attempt limit', () => {
		const failed = state({ answer: null, error: { code: 'load_failed', message: 'could not load' } });
		const next = planAfterExecution(failed);
		expect(next.update).toEqual({ outcome: 'next-model', modelId: 'b', attempt: 2 });
		expect(next.events).toEqual([{ type: 'retry', data: { attempt: 2, reason: 'could not load', modelId: 'b' } }]);
		expect(planAfterExecution(state({ answer: null, tried: ['a', 'b'] })).update.modelId).toBe('c');
		expect(planAfterExecution(state({ answer: null, attempt: MAX_ATTEMPTS })).update).toEqual({ outcome: 'give-up' });
	});

	it('compare mode scores every answer and keeps the best', () => {
		const compare = [
			{ modelId: 'a', text: '', finishReason: 'error', metrics, score: 0, ok: false },
			{ modelId: 'b', text: prose, finishReason: 'stop', metrics, score: 0, ok: false }
		];
		const { events, update } = planAfterExecution(state({ mode: 'compare', compare }));
		expect(events.map((e) => (e.data as { modelId: string }).modelId)).toEqual(['a', 'b']);
		expect(update).toMatchObject({ outcome: 'accept', answer: { modelId: 'b' } });
	});
});

describe('planAfterExecution with a structured output', () => {
	const person = {
		type: 'object',
		properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
		required: ['name', 'age']
	};
	const jsonState = (text: string) =>
		state({
			request: {
				output: { responseFormat: { type: 'json_schema', name: 'person', schema: person, strict: true }, parallelToolCalls: true }
			},
			answer: { modelId: 'a', text, finishReason: 'stop', metrics }
		} as unknown as Partial<RunStateType>);

	it('accepts JSON that matches the schema and retries JSON that does not', () => {
		expect(planAfterExecution(jsonState('{"name":"Ada","age":36}')).update).toMatchObject({ outcome: 'accept' });
		const { update, events } = planAfterExecution(jsonState('{"name":"Ada","age":-1}'));
		expect(update).toMatchObject({ outcome: 'retry', validation: { ok: false } });
		expect(JSON.stringify(events[0].data)).toContain('schema_mismatch');
	});

	it('checks tool calls the model chose against the tool parameters, and announces them with the answer', () => {
		const tools = [{ name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
		const withCalls = (args: string) =>
			state({
				request: { output: { tools, toolChoice: 'auto', parallelToolCalls: true } },
				answer: {
					modelId: 'a',
					text: '',
					finishReason: 'tool_calls',
					metrics,
					toolCalls: [{ id: 'call_1', name: 'weather', arguments: args }]
				}
			} as unknown as Partial<RunStateType>);
		const good = planAfterExecution(withCalls('{"city":"Oslo"}'));
		expect(good.update).toMatchObject({ outcome: 'accept' });
		expect(good.events.at(-1)).toMatchObject({ type: 'run.answer', data: { toolCalls: [{ id: 'call_1', name: 'weather' }] } });
		expect(planAfterExecution(withCalls('{"town":"Oslo"}')).update).toMatchObject({ outcome: 'retry' });
	});
});

describe('compareRecords', () => {
	it('keeps the requested order and turns a failed model into an empty answer', () => {
		const ok = { modelId: 'a', text: 'hi', finishReason: 'stop', metrics };
		const records = compareRecords(
			['a', 'b'],
			[
				{ status: 'fulfilled', value: ok },
				{ status: 'rejected', reason: new Error('x') }
			]
		);
		expect(records.map((r) => [r.modelId, r.text, r.finishReason])).toEqual([
			['a', 'hi', 'stop'],
			['b', '', 'error']
		]);
	});
});

describe('applyApproval', () => {
	const routed = { modelId: 'a', routing: null };
	it('approve keeps the choice, reject stops, override swaps model and merges sampling', () => {
		expect(applyApproval(routed, { action: 'approve' }, {})).toMatchObject({ modelId: 'a', decision: { action: 'approve' } });
		expect(applyApproval(routed, { action: 'reject' }, {})).toMatchObject({ rejected: true });
		expect(applyApproval(routed, { action: 'override', modelId: 'b', sampling: { maxTokens: 9 } }, { temperature: 0.3 })).toMatchObject({
			modelId: 'b',
			sampling: { temperature: 0.3, maxTokens: 9 }
		});
	});
});
