// Embeddings through node-llama-cpp's embedding contexts, on the same leased models as runs: the lease keeps the
// model loaded (and counted by the cache) while its vectors are computed. One embedding context per loaded model.
import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import type { ModelManager } from './manager';
import { ModelError } from './model-errors';

export interface EmbeddingResult {
	vectors: number[][];
	promptTokens: number;
}

const contexts = new WeakMap<LlamaModel, Promise<LlamaEmbeddingContext>>();
function embeddingContextFor(model: LlamaModel, contextSize: number): Promise<LlamaEmbeddingContext> {
	let context = contexts.get(model);
	if (!context) {
		// One thread: the models served here are small, and more threads slow them down on few cores.
		context = model.createEmbeddingContext({ contextSize, threads: 1 });
		contexts.set(model, context);
		context.catch(() => contexts.delete(model));
	}
	return context;
}

/** One vector per input, in order. An input longer than the model's context is refused, not cut. */
export async function embed(manager: ModelManager, modelId: string, inputs: string[], signal?: AbortSignal): Promise<EmbeddingResult> {
	const lease = await manager.acquire(modelId, { signal });
	try {
		const contextSize = lease.context.contextSize;
		const context = await embeddingContextFor(lease.model, contextSize);
		const vectors: number[][] = [];
		let promptTokens = 0;
		for (const [i, input] of inputs.entries()) {
			const tokens = lease.model.tokenize(input);
			if (tokens.length > contextSize)
				throw new ModelError('bad_request', `input[${i}] is ${tokens.length} tokens; ${modelId} embeds at most ${contextSize}`);
			promptTokens += tokens.length;
			vectors.push([...(await context.getEmbeddingFor(tokens)).vector]);
		}
		return { vectors, promptTokens };
	} finally {
		await lease.release();
	}
}
