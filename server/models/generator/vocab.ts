// SentencePiece-style ("llama") vocabulary for generated models.
// Layout: control specials, 256 byte-fallback tokens, "▁", printable ASCII, the model's words, then every prefix
// of every word: llama.cpp's SPM tokenizer only merges symbols into a token when the merged piece is itself a
// token, so without the prefixes a prompt's words would never tokenize to the word tokens the model knows.
import { SPACE_MARK } from './corpus';

/** llama.cpp token types (tokenizer.ggml.token_type). */
export const TokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'] as const;
export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const IM_START_ID = 3;
export const IM_END_ID = 4;

export interface Vocabulary {
	tokens: string[];
	scores: Float32Array;
	types: Int32Array;
	/** Token id of each word, in the order the words were given. */
	wordIds: number[];
	/** Token id of the byte token <0x0A>: the newline / start-of-answer context. */
	newlineId: number;
}

function byteToken(byte: number): string {
	return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

export function buildVocabulary(words: readonly string[]): Vocabulary {
	const tokens: string[] = [];
	const scores: number[] = [];
	const types: number[] = [];
	const ids = new Map<string, number>();
	const add = (text: string, score: number, type: number): number => {
		const existing = ids.get(text);
		if (existing !== undefined) return existing;
		ids.set(text, tokens.length);
		tokens.push(text);
		scores.push(score);
		types.push(type);
		return tokens.length - 1;
	};

	for (const special of SPECIAL_TOKENS) add(special, 0, TokenType.control);
	for (let byte = 0; byte < 256; byte++) add(byteToken(byte), 0, TokenType.byte);
	add(SPACE_MARK, -1, TokenType.normal);
	for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), -2, TokenType.normal);

	// Frequent words score higher, so an ambiguous merge prefers the more common word.
	const wordIds = words.map((word, rank) => add(word, -3 - rank / words.length, TokenType.normal));
	for (const word of words) {
		for (let length = 2; length < word.length; length++) add(word.slice(0, length), -10 - length, TokenType.normal);
	}

	return {
		tokens,
		scores: Float32Array.from(scores),
		types: Int32Array.from(types),
		wordIds,
		newlineId: ids.get(byteToken(10))!
	};
}
