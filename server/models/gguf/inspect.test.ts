import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckedModel } from '../load-checked';
import { checkGguf, formatParameterCount, GgufValidationError, inspectGguf, modelIdFromFile, type GgufProblem } from './inspect';
import { testGgufFile, writeTestGguf, type TestGgufOptions } from '../../../tests/helpers/gguf-files';
import { encodeGguf, gguf } from '../generator/writer';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'sy-inspect-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function expectProblem(file: string, problem: GgufProblem, message: RegExp): Promise<void> {
	const result = await checkGguf(file);
	expect(result.ok).toBe(false);
	if (result.ok) return;
	expect(result.error).toBeInstanceOf(GgufValidationError);
	expect(result.error.problem).toBe(problem);
	expect(result.error.file).toBe(file);
	expect(result.error.message).toContain(file);
	expect(result.error.message).toMatch(message);
}

async function broken(name: string, options: TestGgufOptions): Promise<string> {
	const file = path.join(dir, name);
	await writeTestGguf(file, options);
	return file;
}

describe('inspectGguf', () => {
	it('describes a valid file from its metadata', async () => {
		const file = await broken('valid.gguf', { name: 'Tiny Test', set: { 'general.file_type': gguf.u32(7) } });
		const info = await inspectGguf(file);
		expect(info).toMatchObject({
			architecture: 'llama',
			name: 'Tiny Test',
			family: 'llama',
			contextLength: 256,
			embeddingLength: 8,
			blockCount: 1,
			quantization: 'Q8_0',
			tensorCount: 12,
			vocabularySize: 261,
			hasChatTemplate: false
		});
		expect(info.parameterCount).toBe(8 * 261 * 2 + 8 * 3 + 8 * 8 * 4 + 8 * 16 * 3);
	});

	it('rejects a file that is not GGUF', async () => {
		const file = path.join(dir, 'wrong-magic.gguf');
		const bytes = encodeGguf(testGgufFile());
		bytes.write('GGML', 0, 'latin1');
		await writeFile(file, bytes);
		await expectProblem(file, 'bad-magic', /not a GGUF file \(starts with "GGML"/);
		await writeFile(path.join(dir, 'empty.gguf'), '');
		await expectProblem(path.join(dir, 'empty.gguf'), 'bad-magic', /not a GGUF file/);
	});

	it('rejects an unsupported GGUF version', async () => {
		const file = path.join(dir, 'v9.gguf');
		const bytes = encodeGguf(testGgufFile());
		bytes.writeUInt32LE(9, 4);
		await writeFile(file, bytes);
		await expectProblem(file, 'unsupported-version', /version 9/);
	});

	it('rejects files cut short in the metadata or in the tensor data', async () => {
		const bytes = encodeGguf(testGgufFile());
		const inMetadata = path.join(dir, 'cut-metadata.gguf');
		await writeFile(inMetadata, bytes.subarray(0, 120));
		await expectProblem(inMetadata, 'truncated', /header and metadata need \d+ bytes but the file has 120/);
		const tiny = path.join(dir, 'cut-header.gguf');
		await writeFile(tiny, bytes.subarray(0, 10));
		await expectProblem(tiny, 'truncated', /has 10: truncated/);
		const inData = path.join(dir, 'cut-data.gguf');
		await writeFile(inData, bytes.subarray(0, bytes.length - 100));
		await expectProblem(inData, 'truncated', /tensor output\.weight \(F32\) ends at byte \d+ but the file has \d+ bytes/);
	});

	it('rejects metadata the reader cannot parse', async () => {
		const bytes = encodeGguf(testGgufFile({ set: { 'test.marker': gguf.u32(1) } }));
		const typeAt = bytes.indexOf('test.marker') + 'test.marker'.length;
		expect(bytes.readUInt32LE(typeAt)).toBe(4); // u32
		bytes.writeUInt32LE(99, typeAt); // no such value type
		const file = path.join(dir, 'bad-type.gguf');
		await writeFile(file, bytes);
		await expectProblem(file, 'unreadable', /metadata cannot be read \(Unsupported GGUF value type "99"\)/);
	});

	it('rejects files missing keys whose absence would abort llama.cpp', async () => {
		for (const key of [
			'llama.feed_forward_length',
			'llama.attention.head_count',
			'llama.context_length',
			'tokenizer.ggml.tokens',
			'general.architecture'
		]) {
			const file = await broken(`no-${key}.gguf`, { omit: [key] });
			await expectProblem(file, 'missing-key', new RegExp(`required key ${key.replaceAll('.', '\\.')} is missing`));
		}
	});

	it('rejects unknown architectures and impossible values', async () => {
		await expectProblem(
			await broken('arch.gguf', { set: { 'general.architecture': gguf.string('quantum-llm') } }),
			'unknown-architecture',
			/"quantum-llm" is not supported/
		);
		await expectProblem(
			await broken('zero-ff.gguf', { set: { 'llama.feed_forward_length': gguf.u32(0) } }),
			'bad-value',
			/llama\.feed_forward_length has an invalid value/
		);
	});

	it('rejects a llama vocabulary without its byte tokens (llama.cpp terminates on it)', async () => {
		await expectProblem(await broken('no-bytes.gguf', { withoutByteTokens: true }), 'bad-value', /lacks byte token <0x00> and 255 more/);
	});

	it('reports missing paths and directories', async () => {
		await expectProblem(path.join(dir, 'nope.gguf'), 'not-found', /file not found/);
		await mkdir(path.join(dir, 'folder.gguf'));
		await expectProblem(path.join(dir, 'folder.gguf'), 'not-a-file', /not a regular file/);
	});

	it('keeps llama.cpp from ever seeing a file that would abort the process', async () => {
		// Loaded unchecked, these files kill the Node process (GGML_ASSERT, std::out_of_range); checked, they are plain rejections.
		const llama = await getLlama({ build: 'never' });
		for (const options of [{ omit: ['llama.feed_forward_length'] }, { withoutByteTokens: true }]) {
			const file = await broken('abort-bait.gguf', options);
			await expect(loadCheckedModel(llama, { modelPath: file })).rejects.toThrow(GgufValidationError);
		}
		const { model, info } = await loadCheckedModel(llama, { modelPath: await broken('fine.gguf', {}) });
		expect(info.name).toBe('Test Model');
		await model.dispose();
	});
});

describe('naming helpers', () => {
	it('formats parameter counts and derives ids from file names', () => {
		expect([
			formatParameterCount(7_241_732_096),
			formatParameterCount(525_520),
			formatParameterCount(1_289_088),
			formatParameterCount(999)
		]).toEqual(['7.2B', '526K', '1.3M', '999']);
		expect(modelIdFromFile('/x/Mistral-7B-Instruct v0.2.Q4_K_M.gguf')).toBe('mistral-7b-instruct-v0.2.q4_k_m');
	});
});
