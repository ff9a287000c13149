import { describe, expect, it } from 'vitest';
import { GiB, candidate, resources } from './fixtures/resources';
import { routeModel } from './route-model';
import { toolReasons, toolsFirst } from './routing-tools';
import { withToolNeed, analyzeTask } from './task-analyzer';
import type { RoutingInput } from './types';

const coder = candidate('coder', { capabilities: ['code', 'chat'], quality: { code: 0.82, chat: 0.4 } });
const caller = candidate('caller', { capabilities: ['chat', 'reasoning'], quality: { chat: 0.5, reasoning: 0.4 }, tools: true });
const route = (overrides: Partial<RoutingInput>) =>
	routeModel({ analysis: { task: 'code' }, candidates: [coder, caller], resources: resources(), roomId: 'room-a', ...overrides });

describe('routing runs that offer tools', () => {
	it('without tools, the best model for the task wins', () => {
		const decision = route({});
		expect(decision.modelId).toBe('coder');
		expect(decision.reasons.join(' ')).not.toContain('function');
	});

	it('with tools, a model that calls functions wins over a higher-scoring one that does not, and says so', () => {
		const decision = route({ analysis: { task: 'code', needsTools: true } });
		expect(decision.modelId).toBe('caller');
		expect(decision.reasons[0]).toBe('calls functions: preferred because the run offers tools');
		expect(decision.reasons[1]).toMatch(/^ahead of higher-scoring coder \(0\.\d+\), which do not call functions$/);
		expect(decision.fallbacks[0].modelId).toBe('coder'); // still there if the caller fails
		expect(decision.table.find((r) => r.modelId === 'caller')!.tools).toBe(true);
		expect(decision.table.find((r) => r.modelId === 'coder')!.tools).toBe(false);
	});

	it('among function callers, the usual score decides', () => {
		const strongCaller = candidate('strong-caller', { capabilities: ['code'], quality: { code: 0.7 }, tools: true });
		const decision = route({ analysis: { task: 'code', needsTools: true }, candidates: [coder, caller, strongCaller] });
		expect(decision.modelId).toBe('strong-caller');
		expect(decision.fallbacks.map((f) => f.modelId)).toEqual(['caller', 'coder']);
		expect(decision.reasons).toContain('good at code (0.7)'); // coder is better at code, but calls no functions
	});

	it('when no usable model calls functions, the best for the task still answers, and the reasons say why', () => {
		const none = route({ analysis: { task: 'code', needsTools: true }, candidates: [coder] });
		expect(none.modelId).toBe('coder');
		expect(none.reasons[0]).toBe(
			'the run offers tools but no usable model calls functions: the best for the task answers, its calls shaped by the tools’ grammar'
		);
		const tooBig = candidate('big-caller', { tools: true, estimatedRamBytes: 64 * GiB });
		const skipped = route({ analysis: { task: 'code', needsTools: true }, candidates: [coder, tooBig] });
		expect(skipped.modelId).toBe('coder');
		expect(skipped.reasons[0]).toContain('(big-caller: too large: needs 64 GiB RAM');
	});

	it('a pinned model that does not call functions is honoured, with the better choice named', () => {
		const decision = route({ analysis: { task: 'code', needsTools: true }, pinnedModelId: 'coder', pinnedBy: 'room' });
		expect(decision.modelId).toBe('coder');
		expect(decision.reasons.slice(0, 2)).toEqual([
			'pinned by room',
			'the run offers tools, but coder does not call functions (caller would)'
		]);
	});

	it('the sort key and reasons are inert when no tools are needed', () => {
		const a = { modelId: 'a', tools: true, total: 0.1 };
		const b = { modelId: 'b', tools: false, total: 0.9 };
		expect(toolsFirst(false, a, b)).toBe(0);
		expect(toolsFirst(true, a, b)).toBeLessThan(0);
		expect(toolsFirst(true, b, a)).toBeGreaterThan(0);
		expect(toolReasons(false, a, [a, b], [a, b])).toEqual([]);
	});
});

describe('the task analysis carries the need for tools', () => {
	const tool = { name: 'get_weather', parameters: { type: 'object', properties: {} } };
	it('marks runs whose output offers tools, and names them in the features', () => {
		const analysis = withToolNeed(analyzeTask('What is the weather in Paris?'), { tools: [tool], parallelToolCalls: true });
		expect(analysis.needsTools).toBe(true);
		expect(analysis.features.at(-1)).toBe('offers tools (get_weather) → prefers models that call functions');
	});
	it('leaves runs without tools, or with tool_choice none, as they are', () => {
		const plain = analyzeTask('What is the weather in Paris?');
		expect(withToolNeed(plain, undefined)).toBe(plain);
		expect(withToolNeed(plain, { tools: [tool], toolChoice: 'none', parallelToolCalls: true })).toBe(plain);
	});
});
