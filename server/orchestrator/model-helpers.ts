import type { ChatMessage } from '../models/executor';
import { serveJson } from '../models/serve';
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
	try {
		const text = await serveJson(models, { modelId, messages, jsonSchema, ...options });
		return text === undefined ? undefined : JSON.parse(text);
	} catch {
		return undefined;
	}
}
