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
	if (!loaded) ctx.emit('model.loading', { modelId, sizeBytes: models.list().find((m) => m.id === modelId)?.sizeBytes ?? null });
	const stopProgress = loaded ? () => {} : forwardLoadProgress(models.manager, modelId, ctx);
	const lease = await models.manager.acquire(modelId, { signal: ctx.signal }).finally(stopProgress);
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
			signal: ctx.signal,
			onText: (chunk) => batcher.push(chunk)
		});
		batcher.flush();
		return { modelId, text: result.text, finishReason: result.finishReason, metrics: toMetrics(result) };
	} finally {
		batcher.flush();
		await lease.release();
	}
}

export function isModelUnavailable(err: unknown): err is ModelError {
	return err instanceof ModelError && err.code !== 'aborted' && err.code !== 'bad_request';
}

/** Relays the manager's load progress for one model as `model.progress` run events, at most every 100 ms. */
function forwardLoadProgress(manager: ExecutionInput['models']['manager'], modelId: string, ctx: ExecutionInput['ctx']): () => void {
	let last = 0;
	const onProgress = (p: { modelId: string; fraction: number }) => {
		if (p.modelId !== modelId || (p.fraction < 1 && Date.now() - last < 100)) return;
		last = Date.now();
		ctx.emit('model.progress', { modelId, fraction: Math.max(0, Math.min(1, p.fraction)) });
	};
	manager.on('progress', onProgress);
	return () => manager.off('progress', onProgress);
}
