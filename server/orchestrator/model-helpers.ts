import { execute, type ChatMessage } from '../models/executor';
import type { ModelService } from '../models/service';

/**
 * A short structured answer from a helper model (classifier, summariser) with a JSON-schema grammar. Returns the
 * parsed JSON, or undefined when the model is not usable now; the caller then keeps its heuristic result.
 */
export async function askModelForJson(
	models: ModelService,
	modelId: string,
	messages: ChatMessage[],
	jsonSchema: Record<string, unknown>,
	options: { signal?: AbortSignal; maxTokens?: number; temperature?: number; onlyIfLoaded?: boolean } = {}
): Promise<unknown> {
	if (!models.spec(modelId)) return undefined;
	if (options.onlyIfLoaded && !models.manager.isLoaded(modelId)) return undefined; // never load a model for a summary
	const lease = await models.manager.acquire(modelId, { signal: options.signal });
	try {
		const result = await execute(lease, {
			messages,
			sampling: { maxTokens: options.maxTokens ?? 96, temperature: options.temperature ?? 0, seed: 1, jsonSchema },
			signal: options.signal
		});
		return JSON.parse(result.text);
	} catch {
		return undefined;
	} finally {
		await lease.release();
	}
}
