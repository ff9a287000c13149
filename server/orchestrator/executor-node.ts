import type { RunOutput } from '../../src/lib/contract/run-output';
import type { RunMetrics, Sampling } from '../../src/lib/contract/runs';
import { execute, type ChatMessage, type ExecuteResult } from '../models/executor';
import { ModelError } from '../models/model-errors';
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

const toMetrics = (r: ExecuteResult): RunMetrics => ({
	queueWaitMs: r.metrics.queueWaitMs,
	loadWaitMs: r.metrics.loadWaitMs,
	timeToFirstTokenMs: r.metrics.timeToFirstTokenMs,
	tokensPerSecond: r.metrics.tokensPerSecond,
	promptTokens: r.metrics.promptTokens,
	completionTokens: r.metrics.completionTokens,
	totalMs: r.metrics.totalMs
});

/**
 * Leases the model (loading it if needed, with model.loading/model.loaded events), streams the answer as batched
 * `tokens` events, and always releases the lease. Load failures come back as ModelError for the caller to fall back.
 */
export async function executeOnModel(input: ExecutionInput): Promise<AnswerRecord> {
	const { ctx, models, modelId } = input;
	const loaded = models.manager.isLoaded(modelId);
	if (!loaded) ctx.emit('model.loading', { modelId });
	const lease = await models.manager.acquire(modelId, { signal: ctx.signal });
	ctx.emit('model.loaded', {
		modelId,
		cacheHit: lease.cacheHit,
		loadWaitMs: Math.round(lease.loadWaitMs),
		queueWaitMs: Math.round(lease.queueWaitMs)
	});
	const batcher = new TokenBatcher(ctx, modelId);
	try {
		const result = await execute(lease, {
			messages: input.messages,
			sampling: input.sampling,
			output: input.output,
			signal: ctx.signal,
			onText: (chunk) => batcher.push(chunk)
		});
		batcher.flush();
		// Each call is its own event, so the room sees what the model asked for (the graph shows it on the executor).
		for (const call of result.toolCalls ?? []) ctx.emit('tool.call', { modelId, ...call });
		return {
			modelId,
			text: result.text,
			finishReason: result.finishReason,
			metrics: toMetrics(result),
			...(result.toolCalls && { toolCalls: result.toolCalls }),
			...(result.logprobs && { logprobs: result.logprobs })
		};
	} finally {
		batcher.flush();
		await lease.release();
	}
}

export function isModelUnavailable(err: unknown): err is ModelError {
	return err instanceof ModelError && err.code !== 'aborted' && err.code !== 'bad_request';
}
