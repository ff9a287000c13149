// Tensor checks of inspectGguf on files written by the project's own writer: the required llama tensors with the
// shapes the metadata implies, known tensor types, data inside the file. Where llama.cpp itself refuses a file
// without aborting, the test also hands it the file directly, to show the check agrees with llama.cpp.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getLlama, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckedModel } from '../load-checked';
import { checkGguf, GgufValidationError, type GgufProblem } from './inspect';
import { setTensorType, testGgufFile, type TestGgufOptions } from '../../../tests/helpers/gguf-files';
import { encodeGguf, gguf, type GgufTensor } from '../generator/writer';

let dir: string;
let llama: Llama;
beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'sy-tensors-'));
	llama = await getLlama({ build: 'never', gpu: false });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

let counter = 0;
async function fileOf(bytes: Buffer): Promise<string> {
	const file = path.join(dir, `model-${++counter}.gguf`);
	await writeFile(file, bytes);
	return file;
}
const written = (options: TestGgufOptions) => fileOf(encodeGguf(testGgufFile(options)));

async function problemsOf(file: string): Promise<{ problem: GgufProblem; detail: string }[]> {
	const result = await checkGguf(file);
	if (result.ok) throw new Error(`${file} passed inspection`);
	return [...result.error.problems];
}

/** Loads with llama.cpp directly, skipping inspection: only for files known to be refused without an abort. */
async function llamaCppAccepts(file: string): Promise<boolean> {
	try {
		const model = await llama.loadModel({ modelPath: file });
		await model.dispose();
		return true;
	} catch {
		return false;
	}
}

const reshape = (names: Record<string, number[]>) => (tensors: GgufTensor[]) =>
	tensors.map((t) => (names[t.name] ? { ...t, dims: names[t.name], data: new Float32Array(names[t.name].reduce((a, b) => a * b, 1)) } : t));
const without =
	(...names: string[]) =>
	(tensors: GgufTensor[]) =>
		tensors.filter((t) => !names.includes(t.name));

describe('llama tensor layout', () => {
	it('reports two swapped tensor shapes, naming each tensor and the metadata it contradicts', async () => {
		const file = await written({ editTensors: reshape({ 'blk.0.ffn_gate.weight': [16, 8], 'blk.0.ffn_down.weight': [8, 16] }) });
		expect(await problemsOf(file)).toEqual([
			{
				problem: 'tensor-shape',
				detail: 'tensor blk.0.ffn_gate.weight has shape [16, 8], expected [8, 16] (embedding_length × feed_forward_length)'
			},
			{
				problem: 'tensor-shape',
				detail: 'tensor blk.0.ffn_down.weight has shape [8, 16], expected [16, 8] (feed_forward_length × embedding_length)'
			}
		]);
		const check = await checkGguf(file);
		expect(!check.ok && check.error.message).toContain(`${file}: tensor blk.0.ffn_gate.weight has shape [16, 8]`);
		expect(await llamaCppAccepts(file)).toBe(false);
	});

	it('reports missing required tensors', async () => {
		const file = await written({ editTensors: without('blk.0.attn_k.weight', 'output_norm.weight') });
		expect(await problemsOf(file)).toEqual([
			{ problem: 'missing-tensor', detail: 'required tensor output_norm.weight [8] is missing' },
			{ problem: 'missing-tensor', detail: 'required tensor blk.0.attn_k.weight [8, 8] is missing' }
		]);
		expect(await llamaCppAccepts(file)).toBe(false);
	});

	it('derives shapes from head_count_kv and the vocabulary, and accepts tied output embeddings', async () => {
		const gqa = { 'llama.attention.head_count_kv': gguf.u32(1) };
		const good = await written({
			set: gqa,
			editTensors: (t) => without('output.weight')(reshape({ 'blk.0.attn_k.weight': [8, 4], 'blk.0.attn_v.weight': [8, 4] })(t))
		});
		expect((await checkGguf(good)).ok).toBe(true);
		expect(await llamaCppAccepts(good)).toBe(true);

		const bad = await written({ set: gqa, editTensors: reshape({ 'blk.0.attn_v.weight': [8, 4], 'output.weight': [8, 260] }) });
		expect(await problemsOf(bad)).toEqual([
			{
				problem: 'tensor-shape',
				detail: 'tensor output.weight has shape [8, 260], expected [8, 261] (embedding_length × vocabulary size)'
			},
			{
				problem: 'tensor-shape',
				detail: 'tensor blk.0.attn_k.weight has shape [8, 8], expected [8, 4] (embedding_length × head size × head_count_kv)'
			}
		]);
	});

	it('reports tensors of blocks beyond block_count and tensors that appear twice', async () => {
		const norm: GgufTensor = { name: 'blk.1.attn_norm.weight', dims: [8], type: 'F32', data: new Float32Array(8) };
		const file = await written({ editTensors: (t) => [...t, norm, { ...t[1] }] });
		expect(await problemsOf(file)).toEqual([
			{ problem: 'bad-tensor', detail: 'tensor blk.0.attn_norm.weight appears more than once' },
			{ problem: 'bad-tensor', detail: 'tensor blk.1.attn_norm.weight belongs to block 1 but llama.block_count is 1' }
		]);
	});

	it('rejects metadata that makes llama.cpp abort instead of refusing, before llama.cpp sees it', async () => {
		// Unchecked, this file kills the process in llama.cpp's graph (GGML_ASSERT n_embd_head == n_embd_head_k).
		const file = await written({
			set: { 'llama.attention.key_length': gguf.u32(4), 'llama.attention.value_length': gguf.u32(2) },
			editTensors: reshape({ 'blk.0.attn_v.weight': [8, 4] })
		});
		expect(await problemsOf(file)).toEqual([
			{ problem: 'bad-value', detail: "the key head size (4) differs from the value head size (2); llama.cpp's llama graph aborts on that" }
		]);
		await expect(loadCheckedModel(llama, { modelPath: file })).rejects.toThrow(GgufValidationError);
		const scaling = await written({ set: { 'llama.rope.scaling.type': gguf.string('bogus') } });
		expect((await problemsOf(scaling))[0].detail).toMatch(/llama\.rope\.scaling\.type "bogus" is unknown/);
	});
});

describe('tensor storage', () => {
	it('treats an unknown or dropped tensor type as a problem, not as 0 bytes', async () => {
		for (const [type, label] of [
			[99, '99'],
			[4, 'Q4_2 (4)']
		] as const) {
			const bytes = encodeGguf(testGgufFile());
			setTensorType(bytes, 'blk.0.attn_q.weight', type);
			const file = await fileOf(bytes);
			expect(await problemsOf(file)).toEqual([
				{ problem: 'unknown-tensor-type', detail: `tensor blk.0.attn_q.weight has ggml type ${label}, which llama.cpp cannot load` }
			]);
			expect(await llamaCppAccepts(file)).toBe(false);
		}
	});

	it('requires tensor data inside the file, naming the first tensor that is cut off', async () => {
		const bytes = encodeGguf(testGgufFile());
		const whole = await readGgufFileInfo(await fileOf(bytes), { logWarnings: false });
		const attnQ = Number(whole.tensorInfo!.find((t) => t.name === 'blk.0.attn_q.weight')!.fileOffset);
		// Cut inside blk.0.attn_q.weight's data (8 × 8 F32 = 256 bytes): it and every later tensor end past the file.
		const file = await fileOf(bytes.subarray(0, attnQ + 100));
		expect(await problemsOf(file)).toEqual([
			{
				problem: 'truncated',
				detail: `tensor blk.0.attn_q.weight (F32) ends at byte ${attnQ + 256} but the file has ${attnQ + 100} bytes: truncated or incomplete download`
			}
		]);
	});

	it('reports rows that are not whole blocks of a quantized type', async () => {
		const bytes = encodeGguf(testGgufFile());
		setTensorType(bytes, 'blk.0.attn_norm.weight', 8); // Q8_0 packs 32 values per block; this row has 8
		const problems = await problemsOf(await fileOf(bytes));
		expect(problems[0]).toEqual({
			problem: 'bad-tensor',
			detail: "tensor blk.0.attn_norm.weight (Q8_0) has rows of 8 values, not a multiple of the type's block of 32"
		});
	});

	it('lists the first three problems in the message and counts the rest', async () => {
		const file = await written({
			editTensors: without(
				'blk.0.attn_q.weight',
				'blk.0.attn_k.weight',
				'blk.0.attn_v.weight',
				'blk.0.ffn_up.weight',
				'blk.0.ffn_norm.weight'
			)
		});
		const check = await checkGguf(file);
		expect(!check.ok && check.error.problems).toHaveLength(5);
		expect(!check.ok && check.error.message).toMatch(
			/is missing; required tensor .* is missing; required tensor .* is missing \(and 2 more problems\)$/
		);
	});
});
