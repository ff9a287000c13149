// A llama-architecture GGUF whose output is a word bigram model, so a tiny file produces readable text.
//
// Every block is the identity (attn_output and ffn_down are zero), so logits = output · rmsnorm(token_embd[x]):
// the next token depends only on the current one. We fit
//   logit(t | x) = log P(t) + a_x · b_t
// where a_x · b_t is a low-rank factorisation of log(1 + c(x,t) / (K·P(t))), i.e. Dirichlet-smoothed
// log P(t|x) − log P(t) minus a per-row constant that softmax ignores (so unseen pairs are exactly zero: sparse).
// Embedding rows are [α·a_x, 1, pad_x, 0…] with pad_x chosen so every row has norm √n_embd: RMSNorm then
// multiplies by 1 and the final norm is a no-op. Output rows are [b_t/α, log P(t), 0, 0…].
import { corpusToSegments, NEWLINE_UNIT, rankUnits } from './corpus';
import { createRng, type Rng } from './prng';
import { randomizedSvd, sparseFromTriplets } from './svd';
import { buildVocabulary, BOS_ID, EOS_ID, IM_END_ID, UNK_ID } from './vocab';
import { gguf, type GgufFile, type GgufTensor, type GgufValue } from './writer';

export const CHATML_TEMPLATE =
	"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
	"{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Logit given to tokens the model must never emit (bytes, prefixes, specials other than <|im_end|>). */
const FORBIDDEN_LOGIT = -40;
/** Scale of the random (and irrelevant, since the blocks are bypassed) attention and FFN input weights. */
const INIT_SCALE = 0.02;

export interface BigramSpec {
	id: string;
	name: string;
	description: string;
	keepNewlines: boolean;
	/** How many distinct words/symbols the model knows. */
	maxWords: number;
	embeddingLength: number;
	blockCount: number;
	feedForwardLength: number;
	headCount: number;
	contextLength: number;
	/** Dirichlet smoothing strength K: larger = more weight on plain word frequency. */
	smoothing: number;
	seed: number;
}

export interface BigramBuild {
	file: GgufFile;
	stats: { words: number; vocabulary: number; bigrams: number; rank: number; relativeFitError: number };
}

export function buildBigramModel(
	spec: BigramSpec,
	corpus: string,
	extraMetadata: ReadonlyArray<readonly [string, GgufValue]> = []
): BigramBuild {
	const rng = createRng(spec.seed);
	const rank = spec.embeddingLength - 2;
	if (rank < 2) throw new Error(`${spec.id}: embeddingLength must be at least 4`);

	const segments = corpusToSegments(corpus, { keepNewlines: spec.keepNewlines });
	// Unit index space: 0 = newline / start of answer, 1 = end of answer, 2.. = words.
	const words = rankUnits(segments, spec.maxWords);
	const units = [NEWLINE_UNIT, '<end>', ...words];
	const unitIndex = new Map(words.map((w, i) => [w, i + 2]));
	const START = 0,
		END = 1;

	const { pairCounts, nextCounts } = countBigrams(segments, unitIndex, units.length);
	const canFollow = (t: number) => t !== START || spec.keepNewlines;
	const unigram = Float64Array.from(nextCounts, (c, t) => (canFollow(t) ? c + 0.5 : 0));
	const unigramTotal = unigram.reduce((a, b) => a + b, 0);
	for (let t = 0; t < unigram.length; t++) unigram[t] /= unigramTotal;

	const triplets = [...pairCounts].map(([key, count]): [number, number, number] => {
		const x = Math.floor(key / units.length),
			t = key % units.length;
		return [x, t, Math.log1p(count / (spec.smoothing * unigram[t]))];
	});
	const pmi = sparseFromTriplets(units.length, units.length, triplets);
	const svd = randomizedSvd(pmi, rank, { rng, oversample: 10, powerIterations: 2 });

	// Balanced split: a = U√S, b = V√S.
	const a = (x: number, k: number) => svd.u[k][x] * Math.sqrt(svd.s[k]);
	const b = (t: number, k: number) => svd.v[k][t] * Math.sqrt(svd.s[k]);
	const d = spec.embeddingLength;
	let maxNormSq = 1e-12;
	for (let x = 0; x < units.length; x++) {
		let n = 0;
		for (let k = 0; k < svd.s.length; k++) n += a(x, k) ** 2;
		maxNormSq = Math.max(maxNormSq, n);
	}
	const alpha = Math.sqrt((d - 1) / maxNormSq);

	const vocab = buildVocabulary(words);
	// Which unit each token stands for (-1: none).
	const tokenUnit = new Int32Array(vocab.tokens.length).fill(-1);
	vocab.wordIds.forEach((id, i) => (tokenUnit[id] = i + 2));
	tokenUnit[vocab.newlineId] = START;

	const embedding = new Float32Array(d * vocab.tokens.length);
	const output = new Float32Array(d * vocab.tokens.length);
	const embeddingRow = (x: number) => {
		const row = new Float32Array(d);
		let normSq = 0;
		for (let k = 0; k < svd.s.length; k++) normSq += (row[k] = alpha * a(x, k)) ** 2;
		row[rank] = 1;
		row[rank + 1] = Math.sqrt(Math.max(d - 1 - normSq, 0));
		return row;
	};
	const startRow = embeddingRow(START);
	for (let id = 0; id < vocab.tokens.length; id++) {
		// Tokens that are not words (bytes, prefixes, specials) behave like the start of an answer.
		const x = tokenUnit[id];
		embedding.set(x >= 0 ? embeddingRow(x) : startRow, id * d);
		const t = id === IM_END_ID ? END : x;
		if (t >= 0 && canFollow(t)) {
			for (let k = 0; k < svd.s.length; k++) output[id * d + k] = b(t, k) / alpha;
			output[id * d + rank] = Math.log(unigram[t]);
		} else {
			output[id * d + rank] = FORBIDDEN_LOGIT;
		}
	}

	let frobeniusSq = 0;
	for (const [, , v] of triplets) frobeniusSq += v * v;
	const capturedSq = svd.s.reduce((sum, s) => sum + s * s, 0);

	return {
		file: {
			metadata: [...modelMetadata(spec, vocab), ...extraMetadata],
			tensors: modelTensors(spec, embedding, output, vocab.tokens.length, rng)
		},
		stats: {
			words: words.length,
			vocabulary: vocab.tokens.length,
			bigrams: pairCounts.size,
			rank,
			relativeFitError: Math.sqrt(Math.max(0, 1 - capturedSq / Math.max(frobeniusSq, 1e-12)))
		}
	};
}

/** Bigram counts over [start, …units, end] per segment; a pair touching an out-of-vocabulary unit is skipped. */
function countBigrams(segments: readonly string[][], unitIndex: ReadonlyMap<string, number>, unitCount: number) {
	const START = 0,
		END = 1;
	const pairCounts = new Map<number, number>(); // key: x * unitCount + t
	const nextCounts = new Float64Array(unitCount);
	for (const segment of segments) {
		const seq = [START, ...segment.map((u) => (u === NEWLINE_UNIT ? START : (unitIndex.get(u) ?? -1))), END];
		for (let i = 1; i < seq.length; i++) {
			const x = seq[i - 1],
				t = seq[i];
			if (x < 0 || t < 0) continue;
			pairCounts.set(x * unitCount + t, (pairCounts.get(x * unitCount + t) ?? 0) + 1);
			nextCounts[t]++;
		}
	}
	return { pairCounts, nextCounts };
}

function modelMetadata(spec: BigramSpec, vocab: ReturnType<typeof buildVocabulary>): [string, GgufValue][] {
	return [
		['general.architecture', gguf.string('llama')],
		['general.name', gguf.string(spec.name)],
		['general.basename', gguf.string('switchyard-bigram')],
		['general.description', gguf.string(spec.description)],
		['general.file_type', gguf.u32(1)], // MOSTLY_F16
		['general.alignment', gguf.u32(32)],
		['llama.context_length', gguf.u32(spec.contextLength)],
		['llama.embedding_length', gguf.u32(spec.embeddingLength)],
		['llama.block_count', gguf.u32(spec.blockCount)],
		['llama.feed_forward_length', gguf.u32(spec.feedForwardLength)],
		['llama.attention.head_count', gguf.u32(spec.headCount)],
		['llama.attention.head_count_kv', gguf.u32(spec.headCount)],
		['llama.attention.layer_norm_rms_epsilon', gguf.f32(1e-5)],
		['llama.rope.dimension_count', gguf.u32(spec.embeddingLength / spec.headCount)],
		['llama.rope.freq_base', gguf.f32(10000)],
		['llama.vocab_size', gguf.u32(vocab.tokens.length)],
		['tokenizer.ggml.model', gguf.string('llama')],
		['tokenizer.ggml.tokens', gguf.strings(vocab.tokens)],
		['tokenizer.ggml.scores', gguf.f32s(vocab.scores)],
		['tokenizer.ggml.token_type', gguf.i32s(vocab.types)],
		['tokenizer.ggml.unknown_token_id', gguf.u32(UNK_ID)],
		['tokenizer.ggml.bos_token_id', gguf.u32(BOS_ID)],
		// <|im_end|> ends generation in raw completion too, not only through the ChatML wrapper's stop string.
		['tokenizer.ggml.eos_token_id', gguf.u32(IM_END_ID)],
		['tokenizer.ggml.padding_token_id', gguf.u32(EOS_ID)],
		['tokenizer.ggml.add_bos_token', gguf.bool(true)],
		['tokenizer.ggml.add_eos_token', gguf.bool(false)],
		['tokenizer.ggml.add_space_prefix', gguf.bool(true)],
		['tokenizer.chat_template', gguf.string(CHATML_TEMPLATE)]
	];
}

function modelTensors(spec: BigramSpec, embedding: Float32Array, output: Float32Array, vocabSize: number, rng: Rng): GgufTensor[] {
	const d = spec.embeddingLength,
		ff = spec.feedForwardLength;
	const ones = () => new Float32Array(d).fill(1);
	const random = (n: number) => Float32Array.from({ length: n }, () => rng.gaussian() * INIT_SCALE);
	const tensors: GgufTensor[] = [{ name: 'token_embd.weight', dims: [d, vocabSize], type: 'F16', data: embedding }];
	for (let i = 0; i < spec.blockCount; i++) {
		const p = `blk.${i}.`;
		tensors.push(
			{ name: p + 'attn_norm.weight', dims: [d], type: 'F32', data: ones() },
			{ name: p + 'attn_q.weight', dims: [d, d], type: 'F16', data: random(d * d) },
			{ name: p + 'attn_k.weight', dims: [d, d], type: 'F16', data: random(d * d) },
			{ name: p + 'attn_v.weight', dims: [d, d], type: 'F16', data: random(d * d) },
			{ name: p + 'attn_output.weight', dims: [d, d], type: 'F16', data: new Float32Array(d * d) },
			{ name: p + 'ffn_norm.weight', dims: [d], type: 'F32', data: ones() },
			{ name: p + 'ffn_gate.weight', dims: [d, ff], type: 'F16', data: random(d * ff) },
			{ name: p + 'ffn_up.weight', dims: [d, ff], type: 'F16', data: random(d * ff) },
			{ name: p + 'ffn_down.weight', dims: [ff, d], type: 'F16', data: new Float32Array(ff * d) }
		);
	}
	tensors.push(
		{ name: 'output_norm.weight', dims: [d], type: 'F32', data: ones() },
		{ name: 'output.weight', dims: [d, vocabSize], type: 'F16', data: output }
	);
	return tensors;
}
