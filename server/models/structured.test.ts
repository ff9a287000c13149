import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runOutputSchema, type RunOutput } from '../../src/lib/contract/run-output';
import { generatedSpecs, testLlama } from '../../tests/helpers/models';
import { execute } from './executor';
import { createLlamaLoader } from './loader';
import { ModelManager } from './manager';

// Structured output on the real generated models: the grammar makes even a word-bigram model answer valid JSON.
let manager: ModelManager;

beforeAll(async () => {
	const specs = await generatedSpecs({ parallelism: 2 });
	manager = new ModelManager({
		loader: createLlamaLoader(await testLlama()),
		resolve: (id) => specs[id],
		budget: { ramBytes: 1 << 30, vramBytes: 0 }
	});
}, 120_000);
afterAll(() => manager.close());

async function run(modelId: string, output: z.input<typeof runOutputSchema>, prompt = 'Describe a room as JSON', maxTokens = 160) {
	const lease = await manager.acquire(modelId);
	try {
		const chunks: string[] = [];
		const result = await execute(lease, {
			messages: [{ role: 'user', content: prompt }],
			sampling: { maxTokens, seed: 5 },
			output: runOutputSchema.parse(output) as RunOutput,
			onText: (c) => chunks.push(c)
		});
		return { ...result, streamed: chunks.join('') };
	} finally {
		await lease.release();
	}
}

const person = {
	type: 'object',
	properties: {
		name: { type: 'string', maxLength: 24 },
		age: { type: 'integer' },
		role: { enum: ['admin', 'member'] },
		tags: { type: 'array', items: { type: 'string', maxLength: 12 }, maxItems: 3 }
	},
	required: ['name', 'age', 'role', 'tags'],
	additionalProperties: false
};

describe('structured output', () => {
	it.each(['sy-tiny', 'sy-chat-small', 'sy-code'])('json_schema answers of %s match the schema', async (modelId) => {
		const result = await run(modelId, { responseFormat: { type: 'json_schema', name: 'person', schema: person, strict: true } });
		const value = JSON.parse(result.text);
		expect(z.fromJSONSchema(person as never).safeParse(value).success).toBe(true);
		expect(result.streamed).toBe(result.text);
		expect(result.finishReason).toBe('stop');
	});

	it('json_object answers are a JSON object', async () => {
		const result = await run('sy-chat-small', { responseFormat: { type: 'json_object' } }, 'Describe a room as JSON', 512);
		const value = JSON.parse(result.text);
		expect(typeof value).toBe('object');
		expect(Array.isArray(value)).toBe(false);
		expect(Object.keys(value).length).toBeGreaterThan(0);
	});

	it('a forced tool choice answers with one well-formed call', async () => {
		const tools = [
			{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 20 } }, required: ['city'] } },
			{
				name: 'calculate',
				parameters: { type: 'object', properties: { op: { enum: ['add', 'sub'] }, note: { type: 'string', maxLength: 12 } } }
			}
		];
		for (const toolChoice of [{ name: 'calculate' }, 'required'] as const) {
			const result = await run('sy-tiny', { tools, toolChoice }, 'What is 2 plus 3?');
			expect(result.finishReason).toBe('tool_calls');
			expect(result.toolCalls).toHaveLength(1);
			const call = result.toolCalls![0];
			expect(call.id).toMatch(/^call_/);
			if (toolChoice !== 'required') expect(call.name).toBe('calculate');
			const args = JSON.parse(call.arguments);
			const schema = tools.find((t) => t.name === call.name)!.parameters;
			expect(z.fromJSONSchema(schema as never).safeParse(args).success).toBe(true);
		}
	});

	it('tool_choice auto lets the model answer in text or call through the chat wrapper', async () => {
		const tools = [
			{
				name: 'lookup',
				description: 'Look a word up',
				parameters: { type: 'object', properties: { word: { type: 'string', maxLength: 16 } } }
			}
		];
		const result = await run('sy-chat-small', { tools, toolChoice: 'auto' }, 'How do rooms work?', 48);
		expect(['stop', 'length', 'tool_calls']).toContain(result.finishReason);
		expect(result.metrics.promptTokens).toBeGreaterThan(0);
		if (result.toolCalls) expect(result.toolCalls[0].name).toBe('lookup');
		else expect(result.text.length).toBeGreaterThan(0);
	});

	it('reports log probabilities per answer token, likeliest alternatives first', async () => {
		const result = await run('sy-tiny', { topLogprobs: 3 }, 'Tell me about models', 12);
		expect(result.logprobs).toHaveLength(result.metrics.completionTokens);
		for (const entry of result.logprobs!) {
			expect(entry.logprob).toBeLessThanOrEqual(0);
			expect(entry.top).toHaveLength(3);
			expect(entry.top[0].logprob).toBeGreaterThanOrEqual(entry.top[2].logprob);
		}
		expect(result.logprobs!.map((l) => l.token).join('')).toBe(result.text);
	});

	it('a raw completion continues the text without the chat template', async () => {
		const chat = await run('sy-tiny', {}, 'The model cache', 8);
		const raw = await run('sy-tiny', { rawCompletion: true }, 'The model cache', 8);
		expect(raw.metrics.promptTokens).toBeLessThan(chat.metrics.promptTokens);
		expect(raw.text.length).toBeGreaterThan(0);
	});
});
