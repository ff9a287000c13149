// A llama-architecture model with random weights, large enough that decoding is bound by arithmetic and memory
// traffic rather than by per-token overhead: what batching and memory figures need (the bigram models are a few MB
// and decode in well under a millisecond a token). Built only by benchmarks, into a git-ignored folder.
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CHATML_TEMPLATE } from './bigram';
import { createRng } from './prng';
import { buildVocabulary, BOS_ID, EOS_ID, IM_END_ID, UNK_ID } from './vocab';
import { encodeGguf, gguf, type GgufTensor } from './writer';

export interface ComputeModelSpec {
	id: string;
	embeddingLength: number;
	blockCount: number;
	feedForwardLength: number;
	headCount: number;
	contextLength: number;
	seed: number;
}

/** ~128 M parameters (~260 MB as F16): compute-bound on a CPU, small enough to build in seconds. */
export const COMPUTE_MODEL: ComputeModelSpec = {
	id: 'sy-bench-compute',
	embeddingLength: 1024,
	blockCount: 10,
	feedForwardLength: 2816,
	headCount: 16,
	contextLength: 2048,
	seed: 7001
};

/** Weight standard deviation: small enough that the residual stream and the logits stay finite in F16. */
const INIT_SCALE = 0.02;

/** Pronounceable made-up words so the vocabulary has real word tokens and the output layer a realistic width. */
function syntheticWords(): string[] {
	const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'pe', 'du'];
	const words: string[] = [];
	for (const a of syllables) for (const b of syllables) words.push(`▁${a}${b}`);
	for (const a of syllables) for (const b of syllables) for (const c of syllables) words.push(`▁${a}${b}${c}`);
	return words;
}

export function computeModelParameters(spec: ComputeModelSpec, vocabSize: number): number {
	const d = spec.embeddingLength;
	const perBlock = 4 * d * d + 3 * d * spec.feedForwardLength + 2 * d;
	return 2 * d * vocabSize + spec.blockCount * perBlock + d;
}

/** The GGUF bytes of a random-weight llama model. Blocks share their weight values (only arithmetic matters here). */
export function buildComputeModel(spec: ComputeModelSpec): { bytes: Buffer; parameters: number } {
	const rng = createRng(spec.seed);
	const vocab = buildVocabulary(syntheticWords());
	const n = vocab.tokens.length;
	const d = spec.embeddingLength;
	const ff = spec.feedForwardLength;
	const random = (count: number) => {
		const values = new Float32Array(count);
		for (let i = 0; i < count; i++) values[i] = rng.gaussian() * INIT_SCALE;
		return values;
	};
	const ones = new Float32Array(d).fill(1);
	const block = {
		q: random(d * d),
		k: random(d * d),
		v: random(d * d),
		o: random(d * d),
		gate: random(d * ff),
		up: random(d * ff),
		down: random(ff * d)
	};
	const tensors: GgufTensor[] = [{ name: 'token_embd.weight', dims: [d, n], type: 'F16', data: random(d * n) }];
	for (let i = 0; i < spec.blockCount; i++) {
		const p = `blk.${i}.`;
		tensors.push(
			{ name: p + 'attn_norm.weight', dims: [d], type: 'F32', data: ones },
			{ name: p + 'attn_q.weight', dims: [d, d], type: 'F16', data: block.q },
			{ name: p + 'attn_k.weight', dims: [d, d], type: 'F16', data: block.k },
			{ name: p + 'attn_v.weight', dims: [d, d], type: 'F16', data: block.v },
			{ name: p + 'attn_output.weight', dims: [d, d], type: 'F16', data: block.o },
			{ name: p + 'ffn_norm.weight', dims: [d], type: 'F32', data: ones },
			{ name: p + 'ffn_gate.weight', dims: [d, ff], type: 'F16', data: block.gate },
			{ name: p + 'ffn_up.weight', dims: [d, ff], type: 'F16', data: block.up },
			{ name: p + 'ffn_down.weight', dims: [ff, d], type: 'F16', data: block.down }
		);
	}
	tensors.push(
		{ name: 'output_norm.weight', dims: [d], type: 'F32', data: ones },
		{ name: 'output.weight', dims: [d, n], type: 'F16', data: random(d * n) }
	);
	const bytes = encodeGguf({
		metadata: [
			['general.architecture', gguf.string('llama')],
			['general.name', gguf.string('Switchyard benchmark (random weights)')],
			['general.file_type', gguf.u32(1)], // MOSTLY_F16
			['general.alignment', gguf.u32(32)],
			['llama.context_length', gguf.u32(spec.contextLength)],
			['llama.embedding_length', gguf.u32(d)],
			['llama.block_count', gguf.u32(spec.blockCount)],
			['llama.feed_forward_length', gguf.u32(ff)],
			['llama.attention.head_count', gguf.u32(spec.headCount)],
			['llama.attention.head_count_kv', gguf.u32(spec.headCount)],
			['llama.attention.layer_norm_rms_epsilon', gguf.f32(1e-5)],
			['llama.rope.dimension_count', gguf.u32(d / spec.headCount)],
			['llama.rope.freq_base', gguf.f32(10000)],
			['llama.vocab_size', gguf.u32(n)],
			['tokenizer.ggml.model', gguf.string('llama')],
			['tokenizer.ggml.tokens', gguf.strings(vocab.tokens)],
			['tokenizer.ggml.scores', gguf.f32s(vocab.scores)],
			['tokenizer.ggml.token_type', gguf.i32s(vocab.types)],
			['tokenizer.ggml.unknown_token_id', gguf.u32(UNK_ID)],
			['tokenizer.ggml.bos_token_id', gguf.u32(BOS_ID)],
			['tokenizer.ggml.eos_token_id', gguf.u32(IM_END_ID)],
			['tokenizer.ggml.padding_token_id', gguf.u32(EOS_ID)],
			['tokenizer.ggml.add_bos_token', gguf.bool(true)],
			['tokenizer.ggml.add_space_prefix', gguf.bool(true)],
			['tokenizer.chat_template', gguf.string(CHATML_TEMPLATE)]
		],
		tensors
	});
	return { bytes, parameters: computeModelParameters(spec, n) };
}

/** Writes the model into `dir` unless a file of the same spec is there; returns its path and how long building took. */
export async function ensureComputeModel(
	dir: string,
	spec: ComputeModelSpec = COMPUTE_MODEL
): Promise<{ path: string; buildMs: number | null; parameters: number }> {
	const file = path.join(dir, `${spec.id}-${spec.embeddingLength}x${spec.blockCount}-${spec.seed}.gguf`);
	const parameters = computeModelParameters(spec, buildVocabulary(syntheticWords()).tokens.length);
	const existing = await stat(file).catch(() => null);
	if (existing?.isFile()) return { path: file, buildMs: null, parameters };
	const started = performance.now();
	const { bytes } = buildComputeModel(spec);
	await mkdir(dir, { recursive: true });
	// Write then rename, so an interrupted build never leaves a truncated file that looks finished.
	await writeFile(`${file}.partial`, bytes);
	await rename(`${file}.partial`, file);
	return { path: file, buildMs: performance.now() - started, parameters };
}
