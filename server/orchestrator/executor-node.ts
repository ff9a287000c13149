import type { RunOutput } from '../../src/lib/contract/run-output';
import type { Sampling } from '../../src/lib/contract/runs';
import type { ChatMessage } from '../models/executor';
import { ModelError } from '../models/model-errors';
import { serveAnswer, type ServedAnswer } from '../models/serve';
import type { ModelService } from '../models/service';
import type { RunContext } from './run-context';
import { TokenBatcher } from './run-context';
import type { AnswerRecord } from './state';

export interface ExecutionInput {
	ctx: RunContext;
	models: ModelService;
	modelId: string;
	messages: ChatMessage[];
	sampling: Sampling;
	output?: RunOutput;
}

/**
 * Runs the answer on this process's model cache: model.loading/model.loaded events around the lease, the text as
 * batched `tokens` events. Load failures come back as ModelError for the caller to fall back.
 */
export async function executeOnModel(input: ExecutionInput): Promise<AnswerRecord> {
	const { ctx, models, modelId } = input;
	const batcher = new TokenBatcher(ctx, modelId);
	try {
		const answer = await serveAnswer(
			models,
			{ modelId, messages: input.messages, sampling: input.sampling, output: input.output, signal: ctx.signal },
			{
				loading: () => ctx.emit('model.loading', { modelId, sizeBytes: models.list().find((m) => m.id === modelId)?.sizeBytes ?? null }),
				progress: (fraction) => ctx.emit('model.progress', { modelId, fraction }),
				loaded: (info) => ctx.emit('model.loaded', { modelId, ...info }),
				text: (chunk) => batcher.push(chunk)
			}
		);
		batcher.flush();
		return answerRecord(ctx, modelId, answer);
	} finally {
		batcher.flush();
	}
}

/** The answer as the run keeps it; each tool call is also its own event, so the room sees what the model asked for. */
export function answerRecord(ctx: RunContext, modelId: string, answer: ServedAnswer): AnswerRecord {
	for (const call of answer.toolCalls ?? []) ctx.emit('tool.call', { modelId, ...call });
	return { modelId, ...answer };
}

export function isModelUnavailable(err: unknown): err is ModelError {
	return err instanceof ModelError && err.code !== 'aborted' && err.code !== 'bad_request';
}
