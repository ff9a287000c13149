// The generated models: same recipe (a word bigram model in llama clothing), different size and training text,
// so a router has real differences to choose between. Ids match models/catalog.json.
import type { BigramSpec } from './bigram';

export interface GeneratedModelSpec extends BigramSpec {
	/** Sub-folders of models/corpus whose files are the training text, in this order. */
	corpora: readonly string[];
}

export const generatedModelSpecs: readonly GeneratedModelSpec[] = [
	{
		id: 'sy-tiny',
		name: 'Switchyard Tiny',
		description: 'Smallest generated model: a word bigram model of the Switchyard docs with 800 words. Fast, shallow.',
		corpora: ['chat'],
		keepNewlines: false,
		maxWords: 800,
		embeddingLength: 80,
		blockCount: 1,
		feedForwardLength: 160,
		headCount: 5,
		contextLength: 1024,
		smoothing: 2,
		seed: 1001
	},
	{
		id: 'sy-chat-small',
		name: 'Switchyard Chat Small',
		description: 'Generated chat model: a word bigram model of the Switchyard docs, rank 126.',
		corpora: ['chat'],
		keepNewlines: false,
		maxWords: 2000,
		embeddingLength: 128,
		blockCount: 2,
		feedForwardLength: 256,
		headCount: 4,
		contextLength: 2048,
		smoothing: 1,
		seed: 1002
	},
	{
		id: 'sy-code',
		name: 'Switchyard Code',
		description: 'Generated code model: a token bigram model of a snapshot of the Switchyard TypeScript source (see snapshot-corpus.ts).',
		corpora: ['code'],
		keepNewlines: true,
		maxWords: 2500,
		embeddingLength: 128,
		blockCount: 2,
		feedForwardLength: 256,
		headCount: 4,
		contextLength: 4096,
		smoothing: 1,
		seed: 1003
	},
	{
		id: 'sy-reason',
		name: 'Switchyard Reason',
		description: 'Largest generated model: a word bigram model of the docs plus step-by-step explanations, rank 222.',
		corpora: ['chat', 'reason'],
		keepNewlines: false,
		maxWords: 3500,
		embeddingLength: 224,
		blockCount: 4,
		feedForwardLength: 448,
		headCount: 7,
		contextLength: 8192,
		smoothing: 1,
		seed: 1004
	}
];
