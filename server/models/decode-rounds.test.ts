import type { BatchItem, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSpecs, testLlama } from '../../tests/helpers/models';
import { DecodeRounds } from './decode-rounds';
import { execute } from './executor';
import type { ModelLease } from './manager';
import { SequencePool } from './sequence-pool';

const settled = async <T>(promise: Promise<T>) => {
	let done = false;
	void promise.then(() => (done = true));
	await new Promise((resolve) => setImmediate(resolve));
	await new Promise((resolve) => setImmediate(resolve));
	return done;
};

describe('DecodeRounds', () => {
	it('never holds back a run that decodes alone', () => {
		const rounds = new DecodeRounds();
		rounds.join();
		expect(rounds.ready()).toBeNull();
	});

	it('holds each run until every member has its token, then lets them all go', async () => {
		const rounds = new DecodeRounds();
		rounds.join();
		rounds.join();
		rounds.join();
		const first = rounds.ready()!;
		const second = rounds.ready()!;
		expect(await settled(first)).toBe(false);
		const third = rounds.ready()!;
		expect(await settled(Promise.all([first, second, third]))).toBe(true);
	});

	it('lets the others go when a member leaves instead of arriving', async () => {
		const rounds = new DecodeRounds();
		rounds.join();
		rounds.join();
		const waiting = rounds.ready()!;
		expect(await settled(waiting)).toBe(false);
		rounds.leave();
		expect(await settled(waiting)).toBe(true);
		expect(rounds.size).toBe(1);
	});
});

describe('runs on one context', () => {
	let model: LlamaModel;
	let context: LlamaContext;
	let pool: SequencePool;
	/** How many sequences each batch node-llama-cpp decoded held. */
	const batchSizes: number[] = [];

	beforeAll(async () => {
		const specs = await generatedSpecs();
		model = await (await testLlama()).loadModel({ modelPath: specs['sy-chat-small'].path });
		context = await model.createContext({
			contextSize: 1024,
			sequences: 4,
			threads: 1,
			batching: {
				// node-llama-cpp asks this for every batch it decodes: record the batch, decode every queued item whole.
				itemPrioritizationStrategy: ({ items }: { items: readonly BatchItem[] }) => {
					batchSizes.push(items.length);
					return items.map((item) => ({ item, processAmount: item.tokens.length }));
				}
			}
		});
		pool = new SequencePool(context, 4, 8);
	}, 120_000);
	afterAll(async () => {
		await context?.dispose();
		await model?.dispose();
	});

	const lease = (): ModelLease => {
		const sequence = pool.tryTake()!;
		return {
			modelId: 'sy-chat-small',
			model,
			context,
			sequence,
			rounds: pool.rounds,
			loadWaitMs: 0,
			queueWaitMs: 0,
			cacheHit: true,
			release: () => pool.give(sequence)
		};
	};

	it('decodes four concurrent runs one token each per batch', async () => {
		const tokens = 40;
		batchSizes.length = 0;
		const leases = [1, 2, 3, 4].map(lease);
		const results = await Promise.all(
			leases.map((l, i) =>
				execute(l, {
					messages: [{ role: 'user', content: `Tell me about rooms ${i}` }],
					sampling: { maxTokens: tokens, seed: i + 1, ignoreEos: true }
				})
			)
		);
		await Promise.all(leases.map((l) => l.release()));
		expect(results.map((r) => r.metrics.completionTokens)).toEqual([tokens, tokens, tokens, tokens]);
		expect(pool.rounds.size).toBe(0);
		// After the prompts and a round or two while the runs fall into step, every batch holds all four.
		const full = batchSizes.filter((n) => n === 4).length;
		expect(full).toBeGreaterThanOrEqual(tokens - 4);
		expect(batchSizes.length).toBeLessThanOrEqual(tokens + 4);
	});

	it('keeps a cancelled run from holding the others back', async () => {
		const controller = new AbortController();
		const leases = [1, 2].map(lease);
		const [cancelled, finished] = await Promise.all([
			execute(leases[0], {
				messages: [{ role: 'user', content: 'Explain runs' }],
				sampling: { maxTokens: 10_000, seed: 1, ignoreEos: true },
				signal: controller.signal,
				onText: () => controller.abort()
			}),
			execute(leases[1], { messages: [{ role: 'user', content: 'Explain rooms' }], sampling: { maxTokens: 64, seed: 2, ignoreEos: true } })
		]);
		await Promise.all(leases.map((l) => l.release()));
		expect(cancelled.finishReason).toBe('cancelled');
		expect(finished.finishReason).toBe('length');
		expect(finished.metrics.completionTokens).toBe(64);
		expect(pool.rounds.size).toBe(0);
	});
});
