import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testLlama } from '../../../tests/helpers/models';
import { checkGguf } from '../gguf/inspect';
import { ensureComputeModel, type ComputeModelSpec } from './compute-model';

// The benchmark's model at a small size: same code path, built in well under a second.
const SMALL: ComputeModelSpec = {
	id: 'sy-compute-test',
	embeddingLength: 64,
	blockCount: 2,
	feedForwardLength: 128,
	headCount: 4,
	contextLength: 256,
	seed: 1
};
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('compute model', () => {
	it('passes the project inspection, loads in llama.cpp and decodes finite logits into tokens', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'sy-compute-'));
		dirs.push(dir);
		const built = await ensureComputeModel(dir, SMALL);
		expect(built.buildMs).not.toBeNull();
		const check = await checkGguf(built.path);
		expect(check.ok).toBe(true);

		const llama = await testLlama();
		const model = await llama.loadModel({ modelPath: built.path, gpuLayers: 0 });
		const context = await model.createContext({ contextSize: 128, threads: 1 });
		const tokens: number[] = [];
		for await (const token of context
			.getSequence()
			.evaluate(model.tokenize('kalo mine'), { seed: 1, temperature: 0.7, yieldEogToken: true })) {
			tokens.push(token);
			if (tokens.length === 8) break;
		}
		expect(tokens).toHaveLength(8);
		const vocabulary =
			(check.ok && (check.info.metadata as { tokenizer?: { ggml?: { tokens?: readonly string[] } } }).tokenizer?.ggml?.tokens?.length) || 0;
		expect(vocabulary).toBeGreaterThan(1000);
		expect(tokens.every((t) => Number.isInteger(t) && t >= 0 && t < vocabulary)).toBe(true);
		await context.dispose();
		await model.dispose();
	});

	it('reuses a finished file instead of building it again', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'sy-compute-'));
		dirs.push(dir);
		const first = await ensureComputeModel(dir, SMALL);
		const before = await stat(first.path);
		const again = await ensureComputeModel(dir, SMALL);
		expect(again.buildMs).toBeNull();
		expect(again.path).toBe(first.path);
		expect((await stat(again.path)).mtimeMs).toBe(before.mtimeMs);
	});
});
