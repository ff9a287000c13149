import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSpecs, testLlama } from '../../tests/helpers/models';
import { execute } from './executor';
import { createLlamaLoader } from './loader';
import { ModelManager } from './manager';

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

async function run(modelId: string, request: Parameters<typeof execute>[1]) {
	const lease = await manager.acquire(modelId);
	try {
		return await execute(lease, request);
	} finally {
		await lease.release();
	}
}

describe('execute', () => {
	it('streams readable text and reports metrics', async () => {
		const chunks: string[] = [];
		const result = await run('sy-chat-small', {
			messages: [{ role: 'user', content: 'How do rooms work?' }],
			sampling: { maxTokens: 48, seed: 1 },
			onText: (c) => chunks.push(c)
		});
		expect(chunks.join('')).toBe(result.text);
		const words = result.text.split(/\s+/).filter((w) => /^[A-Za-z][a-z'-]*[.,;:!?]?$/.test(w));
		expect(words.length).toBeGreaterThanOrEqual(5);
		expect(result.metrics.completionTokens).toBeGreaterThan(0);
		expect(result.metrics.promptTokens).toBeGreaterThan(0);
		expect(result.metrics.timeToFirstTokenMs).toBeGreaterThan(0);
		expect(['stop', 'length']).toContain(result.finishReason);
	});

	it('is reproducible with a seed', async () => {
		const request = {
			messages: [{ role: 'user' as const, content: 'Tell me about models' }],
			sampling: { maxTokens: 32, seed: 7, temperature: 0.9 }
		};
		expect((await run('sy-tiny', request)).text).toBe((await run('sy-tiny', request)).text);
	});

	it('stops promptly when aborted and keeps what was generated', async () => {
		const controller = new AbortController();
		let chunks = 0;
		const result = await run('sy-reason', {
			messages: [{ role: 'user', content: 'Explain the router in detail' }],
			sampling: { maxTokens: 100_000, seed: 3, ignoreEos: true }, // only the abort can end it
			signal: controller.signal,
			onText: () => {
				if (++chunks === 2) controller.abort();
			}
		});
		expect(result.finishReason).toBe('cancelled');
		expect(chunks).toBeLessThanOrEqual(3);
		// Text is decoded per ~8 ms frame, so a frame's worth of tokens may follow the abort request, not thousands.
		expect(result.metrics.completionTokens).toBeLessThan(80);
	});

	it('honours max tokens and stop sequences', async () => {
		const capped = await run('sy-tiny', { messages: [{ role: 'user', content: 'hello' }], sampling: { maxTokens: 5, seed: 2 } });
		expect(capped.finishReason).toBe('length');
		expect(capped.metrics.completionTokens).toBe(5);
		const stopped = await run('sy-chat-small', {
			messages: [{ role: 'user', content: 'What is a room?' }],
			sampling: { maxTokens: 200, seed: 4, stop: ['the'] }
		});
		expect(stopped.text).not.toMatch(/\bthe\b/);
		expect(['stop_sequence', 'stop']).toContain(stopped.finishReason);
	});

	it('ends at the end-of-generation token unless told to ignore it', async () => {
		const natural = await run('sy-chat-small', { messages: [{ role: 'user', content: 'hi' }], sampling: { maxTokens: 400, seed: 8 } });
		expect(natural.finishReason).toBe('stop');
		expect(natural.metrics.completionTokens).toBeLessThan(400);
		const forced = await run('sy-chat-small', {
			messages: [{ role: 'user', content: 'hi' }],
			sampling: { maxTokens: 400, seed: 8, ignoreEos: true }
		});
		expect(forced.finishReason).toBe('length');
		expect(forced.metrics.completionTokens).toBe(400);
		expect(forced.metrics.tokensPerSecond).toBeGreaterThan(0);
	});

	it('drops the oldest history when it would overflow the context, and still answers', async () => {
		const long = 'room model run token '.repeat(60);
		const messages = [
			{ role: 'system' as const, content: 'Be brief.' },
			...Array.from({ length: 12 }, (_, i) => ({ role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', content: `${i} ${long}` })),
			{ role: 'user' as const, content: 'And now?' }
		];
		const result = await run('sy-chat-small', { messages, sampling: { maxTokens: 16, seed: 5 } });
		expect(result.metrics.trimmedMessages).toBeGreaterThan(0);
		expect(result.metrics.trimmedMessages).toBeLessThan(12);
		expect(result.metrics.completionTokens).toBeGreaterThan(0);
	});

	it('produces schema-valid JSON under a JSON-schema grammar', async () => {
		const schema = {
			type: 'object',
			properties: { task: { type: 'string', enum: ['code', 'chat', 'math'] }, confidence: { type: 'number' } },
			required: ['task', 'confidence']
		};
		const result = await run('sy-tiny', {
			messages: [{ role: 'user', content: 'classify: write a function' }],
			sampling: { maxTokens: 64, seed: 6, jsonSchema: schema }
		});
		const parsed = JSON.parse(result.text);
		expect(['code', 'chat', 'math']).toContain(parsed.task);
		expect(typeof parsed.confidence).toBe('number');
	});

	it('rejects a conversation that does not end with the user', async () => {
		const lease = await manager.acquire('sy-tiny');
		await expect(execute(lease, { messages: [{ role: 'assistant', content: 'hi' }] })).rejects.toMatchObject({ code: 'bad_request' });
		await lease.release();
	});
});
