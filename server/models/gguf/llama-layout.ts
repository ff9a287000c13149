// The tensors llama.cpp's llama architecture needs (src/models/llama.cpp, load_arch_tensors) and the shape each must
// have, derived from the file's own metadata. llama.cpp refuses a missing or misshapen tensor at load time; checking
// here first lets such a file be reported (and never loaded) instead of failing on every run.
import type { GgufTensorInfo } from 'node-llama-cpp';
import { countAt, lookup } from './metadata';
import { formatShape, type TensorProblem } from './tensor-checks';

/** One expected dimension: its size and where it comes from, for the message. */
interface Dim {
	size: number;
	from: string;
}

interface Expected {
	name: string;
	dims: Dim[];
	required: boolean;
}

/** llama.cpp's LLAMA_MAX_LAYERS: more blocks abort the process (GGML_ASSERT) while reading the metadata. */
export const LLAMA_MAX_LAYERS = 512;

/** Metadata-derived sizes of a llama model (layer 0's values where a key holds one per layer, as llama.cpp uses). */
export interface LlamaSizes {
	embd: number;
	vocab: number;
	ff: number;
	heads: number;
	kvHeads: number;
	headK: number;
	headV: number;
	experts: number;
	blocks: number;
}

export function llamaSizes(metadata: unknown, vocabularySize: number): LlamaSizes {
	const n = (key: string) => countAt(metadata, `llama.${key}`);
	const embd = n('embedding_length') ?? 0;
	const heads = n('attention.head_count') ?? 0;
	const perHead = heads > 0 ? Math.floor(embd / heads) : 0;
	return {
		embd,
		vocab: vocabularySize,
		ff: n('feed_forward_length') ?? 0,
		heads,
		kvHeads: n('attention.head_count_kv') ?? heads,
		headK: n('attention.key_length') ?? perHead,
		headV: n('attention.value_length') ?? perHead,
		experts: n('expert_count') ?? 0,
		blocks: n('block_count') ?? 0
	};
}

/** Metadata that makes llama.cpp abort (GGML_ASSERT) rather than refuse: checked before any tensor. */
export function checkLlamaMetadata(metadata: unknown, s: LlamaSizes): TensorProblem[] {
	const problems: TensorProblem[] = [];
	if (s.blocks > LLAMA_MAX_LAYERS)
		problems.push({
			problem: 'bad-value',
			detail: `llama.block_count is ${s.blocks}; llama.cpp allows at most ${LLAMA_MAX_LAYERS} and aborts on more`
		});
	if (s.headK !== s.headV)
		problems.push({
			problem: 'bad-value',
			detail: `the key head size (${s.headK}) differs from the value head size (${s.headV}); llama.cpp's llama graph aborts on that`
		});
	const rot = countAt(metadata, 'llama.rope.dimension_count');
	if (rot !== undefined && rot !== s.headK)
		problems.push({
			problem: 'bad-value',
			detail: `llama.rope.dimension_count is ${rot} but the head size is ${s.headK}; llama.cpp needs them equal`
		});
	const scaling = lookup(metadata, 'llama.rope.scaling.type');
	if (scaling !== undefined && !['none', 'linear', 'yarn', 'longrope'].includes(String(scaling))) {
		problems.push({
			problem: 'bad-value',
			detail: `llama.rope.scaling.type "${String(scaling)}" is unknown (none, linear, yarn or longrope); llama.cpp aborts on it`
		});
	}
	return problems;
}

function expectedTensors(s: LlamaSizes): Expected[] {
	const embd = { size: s.embd, from: 'embedding_length' };
	const vocab = { size: s.vocab, from: 'vocabulary size' };
	const ff = { size: s.ff, from: 'feed_forward_length' };
	const q = { size: s.headK * s.heads, from: 'head size × head_count' };
	const k = { size: s.headK * s.kvHeads, from: 'head size × head_count_kv' };
	const v = { size: s.headV * s.kvHeads, from: 'head size × head_count_kv' };
	const experts = { size: s.experts, from: 'expert_count' };
	const t = (name: string, dims: Dim[], required = true): Expected => ({ name, dims, required });
	const list = [t('token_embd.weight', [embd, vocab]), t('output_norm.weight', [embd]), t('output.weight', [embd, vocab], false)];
	for (let i = 0; i < s.blocks; i++) {
		const p = `blk.${i}.`;
		list.push(
			t(p + 'attn_norm.weight', [embd]),
			t(p + 'attn_output.weight', [q, embd]),
			t(p + 'attn_output.bias', [embd], false),
			t(p + 'ffn_norm.weight', [embd])
		);
		if (s.experts === 0) {
			list.push(t(p + 'ffn_gate.weight', [embd, ff]), t(p + 'ffn_down.weight', [ff, embd]), t(p + 'ffn_up.weight', [embd, ff]));
		} else {
			list.push(
				t(p + 'ffn_gate_inp.weight', [embd, experts]),
				t(p + 'ffn_gate_exps.weight', [embd, ff, experts], false),
				t(p + 'ffn_down_exps.weight', [ff, embd, experts]),
				t(p + 'ffn_up_exps.weight', [embd, ff, experts])
			);
		}
	}
	return list;
}

/** Attention projections: separate q, k and v, or one fused attn_qkv (llama.cpp accepts either). */
function attentionTensors(s: LlamaSizes, block: number, fused: boolean): Expected[] {
	const p = `blk.${block}.`;
	const embd = { size: s.embd, from: 'embedding_length' };
	if (fused)
		return [
			{
				name: p + 'attn_qkv.weight',
				dims: [embd, { size: s.headK * (s.heads + s.kvHeads) + s.headV * s.kvHeads, from: 'q + k + v widths' }],
				required: true
			}
		];
	return [
		{ name: p + 'attn_q.weight', dims: [embd, { size: s.headK * s.heads, from: 'head size × head_count' }], required: true },
		{ name: p + 'attn_k.weight', dims: [embd, { size: s.headK * s.kvHeads, from: 'head size × head_count_kv' }], required: true },
		{ name: p + 'attn_v.weight', dims: [embd, { size: s.headV * s.kvHeads, from: 'head size × head_count_kv' }], required: true }
	];
}

/** Equal as llama.cpp compares them: missing trailing dimensions count as 1. */
function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
	const length = Math.max(actual.length, expected.length);
	for (let i = 0; i < length; i++) if ((actual[i] ?? 1) !== (expected[i] ?? 1)) return false;
	return true;
}

/** Every required tensor present with its expected shape, present optional ones well-shaped, no block past block_count. */
export function checkLlamaTensors(tensors: readonly GgufTensorInfo[], s: LlamaSizes): TensorProblem[] {
	const byName = new Map(tensors.map((t) => [t.name, t.dimensions.map(Number)]));
	const expected = expectedTensors(s);
	for (let i = 0; i < s.blocks; i++) expected.push(...attentionTensors(s, i, byName.has(`blk.${i}.attn_qkv.weight`)));
	const problems: TensorProblem[] = [];
	for (const e of expected) {
		const actual = byName.get(e.name);
		const shape = e.dims.map((d) => d.size);
		if (!actual) {
			if (e.required) problems.push({ problem: 'missing-tensor', detail: `required tensor ${e.name} ${formatShape(shape)} is missing` });
			continue;
		}
		if (!sameShape(actual, shape)) {
			const from = e.dims.map((d) => d.from).join(' × ');
			problems.push({
				problem: 'tensor-shape',
				detail: `tensor ${e.name} has shape ${formatShape(actual)}, expected ${formatShape(shape)} (${from})`
			});
		}
	}
	for (const name of byName.keys()) {
		const block = /^blk\.(\d+)\./.exec(name)?.[1];
		if (block !== undefined && Number(block) >= s.blocks)
			problems.push({ problem: 'bad-tensor', detail: `tensor ${name} belongs to block ${block} but llama.block_count is ${s.blocks}` });
	}
	return problems;
}
