import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultCorpusDir } from '../paths';
import { buildBigramModel, type BigramSpec } from './bigram';
import { corpusToSegments, NEWLINE_UNIT, rankUnits } from './corpus';
import { buildGeneratedModel, loadCorpus } from './generate';
import { generatedModelSpecs } from './specs';
import { buildVocabulary, IM_END_ID, TokenType } from './vocab';

describe('corpus', () => {
	it('splits prose into paragraphs of units, marking units that follow a space', () => {
		expect(corpusToSegments('# Rooms\n\nA room holds a prompt, and runs.\nIt is “shared”.', { keepNewlines: false })).toEqual([
			['▁A', '▁room', '▁holds', '▁a', '▁prompt', ',', '▁and', '▁runs', '.', '▁It', '▁is', '▁"', 'shared', '"', '.']
		]);
	});

	it('keeps line breaks in code', () => {
		expect(corpusToSegments('const x = a.b(1);\n  return x;', { keepNewlines: true })).toEqual([
			['▁const', '▁x', '▁=', '▁a', '.', 'b', '(', '1', ')', ';', NEWLINE_UNIT, '▁return', '▁x', ';']
		]);
	});

	it('ranks units by frequency, then spelling', () => {
		expect(rankUnits([['▁b', '▁a', '▁b', '▁c', '▁a', '▁b']], 2)).toEqual(['▁b', '▁a']);
	});
});

describe('vocabulary', () => {
	it('has specials, byte tokens, the space mark, ASCII, words and every word prefix', () => {
		const vocab = buildVocabulary(['▁hello', 'yes']);
		expect(vocab.tokens.slice(0, 5)).toEqual(['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>']);
		expect(vocab.tokens[vocab.newlineId]).toBe('<0x0A>');
		expect(vocab.types[vocab.newlineId]).toBe(TokenType.byte);
		expect(vocab.tokens).toContain('<0xFF>');
		for (const piece of ['▁', '▁h', '▁he', '▁hel', '▁hell', '▁hello', 'ye', 'yes', 'y']) expect(vocab.tokens).toContain(piece);
		expect(new Set(vocab.tokens).size).toBe(vocab.tokens.length);
		expect(vocab.wordIds.map((id) => vocab.tokens[id])).toEqual(['▁hello', 'yes']);
	});
});

describe('buildBigramModel', () => {
	const spec: BigramSpec = {
		id: 'toy',
		name: 'Toy',
		description: 'toy',
		keepNewlines: false,
		maxWords: 50,
		embeddingLength: 16,
		blockCount: 1,
		feedForwardLength: 32,
		headCount: 2,
		contextLength: 128,
		smoothing: 0.1,
		seed: 1
	};
	const corpus = 'the cat sat on the mat.\n\nthe cat ran.\n\nthe cat sat.\n\na dog sat on a mat.';
	const build = buildBigramModel(spec, corpus);
	const tensor = (name: string) => build.file.tensors.find((t) => t.name === name)!;
	const tokens = (build.file.metadata.find(([k]) => k === 'tokenizer.ggml.tokens')![1] as unknown as { values: string[] }).values;
	const d = spec.embeddingLength;
	const logits = (token: string) => {
		const x = tokens.indexOf(token);
		const embedding = tensor('token_embd.weight').data.subarray(x * d, (x + 1) * d);
		const output = tensor('output.weight').data;
		return tokens.map((_, t) => embedding.reduce((sum, e, k) => sum + e * output[t * d + k], 0));
	};
	const best = (token: string) => {
		const l = logits(token);
		return tokens[l.indexOf(Math.max(...l))];
	};

	it('predicts the most frequent next word from the current one', () => {
		expect(best('▁the')).toBe('▁cat');
		expect(best('▁cat')).toBe('▁sat');
		expect(best('▁on')).toBe('▁the');
		expect(best('▁dog')).toBe('▁sat');
		expect(best('.')).toBe('<|im_end|>'); // every paragraph ends after its full stop
	});

	it('never lets byte, prefix or control tokens win', () => {
		const l = logits('▁the');
		for (const t of ['<0x41>', '▁ca', '<s>', '<|im_start|>']) expect(l[tokens.indexOf(t)]).toBeLessThan(-30);
		expect(l[IM_END_ID]).toBeGreaterThan(-30);
	});

	it('gives every embedding row the same norm, so RMSNorm is a constant', () => {
		const data = tensor('token_embd.weight').data;
		for (let id = 0; id < tokens.length; id++) {
			let norm = 0;
			for (let k = 0; k < d; k++) norm += data[id * d + k] ** 2;
			expect(Math.sqrt(norm)).toBeCloseTo(Math.sqrt(d), 3);
		}
	});

	it('makes every block the identity: attn_output and ffn_down are zero', () => {
		expect(tensor('blk.0.attn_output.weight').data.every((v) => v === 0)).toBe(true);
		expect(tensor('blk.0.ffn_down.weight').data.every((v) => v === 0)).toBe(true);
		expect(tensor('blk.0.attn_q.weight').data.some((v) => v !== 0)).toBe(true);
	});
});

describe('generated model bytes', () => {
	const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

	it('are identical across builds and change with the seed', async () => {
		const spec = generatedModelSpecs.find((s) => s.id === 'sy-tiny')!;
		const corpus = await loadCorpus(defaultCorpusDir, spec.corpora);
		const first = await buildGeneratedModel(spec, corpus);
		const second = await buildGeneratedModel(spec, corpus);
		expect(sha(second.bytes)).toBe(sha(first.bytes));
		const reseeded = await buildGeneratedModel({ ...spec, seed: spec.seed + 1 }, corpus);
		expect(sha(reseeded.bytes)).not.toBe(sha(first.bytes));
	});
});
