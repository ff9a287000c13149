// Builders for small GGUF files used by tests: valid ones, and deliberately broken ones made with the same writer.
import { writeFile } from 'node:fs/promises';
import { encodeGguf, gguf, type GgufFile, type GgufTensor, type GgufValue } from '../../server/models/generator/writer';

export interface TestGgufOptions {
	name?: string;
	/** Keys to leave out, e.g. 'llama.feed_forward_length' (which would abort llama.cpp). */
	omit?: readonly string[];
	/** Keys to add or replace. */
	set?: Readonly<Record<string, GgufValue>>;
	/** Extra F32 values in an extra tensor, to make the file bigger (e.g. > 5 MB for resumable downloads). */
	padValues?: number;
	/** Leave out the 256 byte tokens (<0x00>…<0xFF>) that a llama vocabulary needs (default: false). */
	withoutByteTokens?: boolean;
	/** Changes the tensor list before writing (swap shapes, drop or add tensors). */
	editTensors?: (tensors: GgufTensor[]) => GgufTensor[];
}

const byteTokens = Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);

/** Metadata and tensors of a minimal llama model (not meant to produce sensible text). */
export function testGgufFile(options: TestGgufOptions = {}): GgufFile {
	const d = 8,
		ff = 16;
	const vocab = ['<unk>', '<s>', '</s>', '▁a', '▁b', ...(options.withoutByteTokens ? [] : byteTokens)];
	const tokenTypes = vocab.map((t, i) => (i < 3 ? 3 : t.startsWith('<0x') ? 6 : 1)); // control, byte, normal
	const metadata: [string, GgufValue][] = [
		['general.architecture', gguf.string('llama')],
		['general.name', gguf.string(options.name ?? 'Test Model')],
		['general.file_type', gguf.u32(0)],
		['llama.context_length', gguf.u32(256)],
		['llama.embedding_length', gguf.u32(d)],
		['llama.block_count', gguf.u32(1)],
		['llama.feed_forward_length', gguf.u32(ff)],
		['llama.attention.head_count', gguf.u32(2)],
		['llama.attention.layer_norm_rms_epsilon', gguf.f32(1e-5)],
		['tokenizer.ggml.model', gguf.string('llama')],
		['tokenizer.ggml.tokens', gguf.strings(vocab)],
		['tokenizer.ggml.scores', gguf.f32s(vocab.map(() => 0))],
		['tokenizer.ggml.token_type', gguf.i32s(tokenTypes)]
	];
	const filtered = metadata.filter(([key]) => !options.omit?.includes(key) && !(options.set && key in options.set));
	for (const [key, value] of Object.entries(options.set ?? {})) filtered.push([key, value]);

	const t = (name: string, dims: number[]): GgufTensor => ({
		name,
		dims,
		type: 'F32',
		data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.01)
	});
	const tensors = [
		t('token_embd.weight', [d, vocab.length]),
		t('blk.0.attn_norm.weight', [d]),
		t('blk.0.attn_q.weight', [d, d]),
		t('blk.0.attn_k.weight', [d, d]),
		t('blk.0.attn_v.weight', [d, d]),
		t('blk.0.attn_output.weight', [d, d]),
		t('blk.0.ffn_norm.weight', [d]),
		t('blk.0.ffn_gate.weight', [d, ff]),
		t('blk.0.ffn_up.weight', [d, ff]),
		t('blk.0.ffn_down.weight', [ff, d]),
		t('output_norm.weight', [d]),
		t('output.weight', [d, vocab.length])
	];
	if (options.padValues) tensors.push(t('padding.weight', [options.padValues]));
	return { metadata: filtered, tensors: options.editTensors ? options.editTensors(tensors) : tensors };
}

/**
 * Overwrites the ggml type id of one tensor in an encoded file (the writer only writes F32 and F16). A tensor info is
 * its name, n_dims (u32), n_dims × u64 dimensions, then the type (u32).
 */
export function setTensorType(bytes: Buffer, tensorName: string, typeId: number): void {
	const name = Buffer.from(tensorName, 'utf8');
	const lengthPrefix = Buffer.alloc(8);
	lengthPrefix.writeBigUInt64LE(BigInt(name.length));
	const at = bytes.indexOf(Buffer.concat([lengthPrefix, name]));
	if (at < 0) throw new Error(`no tensor ${tensorName} in this file`);
	const dimsAt = at + 8 + name.length;
	bytes.writeUInt32LE(typeId, dimsAt + 4 + 8 * bytes.readUInt32LE(dimsAt));
}

export async function writeTestGguf(file: string, options: TestGgufOptions = {}): Promise<Buffer> {
	const bytes = encodeGguf(testGgufFile(options));
	await writeFile(file, bytes);
	return bytes;
}

/**
 * A llama GGUF that passes inspection (gguf/inspect.ts) yet aborts llama.cpp's loader (GGML_ASSERT(n_expert_used_max
 * <= hparams.n_expert), SIGABRT): `llama.expert_used_count` without `llama.expert_count`. Tests of the supervised
 * load check assert that inspection lets it through; once inspection learns this one, they need another.
 */
export function writeAbortingGguf(file: string, options: TestGgufOptions = {}): Promise<Buffer> {
	return writeTestGguf(file, { ...options, set: { ...options.set, 'llama.expert_used_count': gguf.u32(1) } });
}
