import type { LlamaModel, Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedSpecs, testLlama } from '../../tests/helpers/models';
import { TextStream } from './text-stream';

let model: LlamaModel;
beforeAll(async () => {
	const specs = await generatedSpecs();
	model = await (await testLlama()).loadModel({ modelPath: specs['sy-chat-small'].path });
}, 120_000);
afterAll(() => model?.dispose());

/** Feeds the text's tokens through a stream, decoding every `every` tokens; returns the chunks and how it ended. */
function stream(text: string, stops: string[], every = 1) {
	const tokens: Token[] = model.tokenize(text);
	const s = new TextStream(model, stops);
	const chunks: string[] = [];
	let stopped = false;
	for (let i = 0; i < tokens.length && !stopped; i++) {
		s.add(tokens[i]);
		if ((i + 1) % every !== 0) continue;
		const result = s.drain();
		chunks.push(result.chunk);
		stopped = result.stopped;
	}
	const last = s.drain(); // what the loop above left undecoded, as the executor's end of generation does
	chunks.push(last.chunk, s.flush());
	stopped ||= last.stopped;
	return { chunks, text: chunks.join(''), output: s.output, stopped, whole: model.detokenize(tokens) };
}

describe('TextStream', () => {
	const text = 'The room runs the model and the model answers the room, token by token.';

	it('shows the whole text, however often it is decoded', () => {
		for (const every of [1, 3, 64]) {
			const r = stream(text, [], every);
			expect(r.text).toBe(r.whole);
			expect(r.output).toBe(r.whole);
			expect(r.stopped).toBe(false);
		}
	});

	it('cuts the text at the first stop string, even one that spans tokens, and never shows it', () => {
		for (const stops of [['and the'], ['answers', 'model and'], ['token by token.']]) {
			for (const every of [1, 2, 5]) {
				const r = stream(text, stops, every);
				const at = Math.min(...stops.map((stop) => r.whole.indexOf(stop)).filter((i) => i >= 0));
				expect(r.stopped).toBe(true);
				expect(r.text).toBe(r.whole.slice(0, at));
				expect(r.output).toBe(r.text);
				for (const stop of stops) expect(r.chunks.some((c) => c.includes(stop))).toBe(false);
			}
		}
	});

	it('holds back a possible start of a stop string and shows it once it turns out not to be one', () => {
		const r = stream(text, ['and then'], 1);
		expect(r.stopped).toBe(false);
		expect(r.text).toBe(r.whole);
		// "and the" was held back while it could still become "and then": it came out with a later chunk.
		const andAt = r.whole.indexOf('and the');
		let shown = 0;
		const heldChunk = r.chunks.findIndex((c) => (shown += c.length) > andAt);
		expect(r.chunks[heldChunk]).toContain('and the');
	});

	it('never splits a multi-byte character', () => {
		const r = stream('café ☕ and naïve “quotes” — done', [], 1);
		expect(r.text).toBe(r.whole);
		for (const chunk of r.chunks) expect(chunk).not.toContain('\uFFFD');
	});
});
