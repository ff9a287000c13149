import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSpecs, testLlama } from '../../tests/helpers/models';
import { embed } from './embeddings';
import { createLlamaLoader } from './loader';
import { ModelManager } from './manager';

// The generated models as embedders, through the real node-llama-cpp embedding context.
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

const cosine = (a: number[], b: number[]) => {
	const dot = a.reduce((s, x, i) => s + x * b[i], 0);
	return dot / (Math.hypot(...a) * Math.hypot(...b));
};

describe('embed', () => {
	it('returns one fixed-size vector per input, the same for the same text', async () => {
		const result = await embed(manager, 'sy-tiny', ['the model cache', 'rooms and runs', 'the model cache']);
		expect(result.vectors).toHaveLength(3);
		const size = result.vectors[0].length;
		expect(size).toBeGreaterThan(8);
		for (const v of result.vectors) {
			expect(v).toHaveLength(size);
			expect(v.every(Number.isFinite)).toBe(true);
		}
		expect(result.vectors[2]).toEqual(result.vectors[0]);
		expect(cosine(result.vectors[0], result.vectors[1])).toBeLessThan(0.9999);
		expect(result.promptTokens).toBeGreaterThan(3);
	});

	it('refuses an input longer than the context instead of cutting it', async () => {
		await expect(embed(manager, 'sy-tiny', ['word '.repeat(5000)])).rejects.toThrow(/at most/);
	});
});
