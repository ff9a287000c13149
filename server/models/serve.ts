// One model request served on this process's model cache: lease (loading if needed), generate, release. The same
// code answers a run in a single process (server/orchestrator/executor-node.ts) and an inference job on a worker
// (server/cluster/inference-worker.ts); only where the progress goes differs.
import type { RunOutput, TokenLogprob, ToolCall } from '../../src/lib/contract/run-output';
import type { RunMetrics, Sampling } from '../../src/lib/contract/runs';
import { execute, type ChatMessage, type ExecuteResult } from './executor';
import type { ModelService } from './service';

export interface AnswerRequest {
	modelId: string;
	messages: ChatMessage[];
	sampling: Sampling;
	/** JSON answers, tool calls, logprobs, raw completion: plain data from the run request. */
	output?: RunOutput;
	signal?: AbortSignal;
}

/** Where a request's progress goes: run events in one process, Redis frames on a worker. */
export interface AnswerSink {
	/** The model is not in the cache: a load starts (or is already under way). */
	loading(): void;
	/** How far the load got (0–1), at most every ~100 ms. */
	progress?(fraction: number): void;
	loaded(info: { cacheHit: boolean; loadWaitMs: number; queueWaitMs: number }): void;
	text(chunk: string): void;
}

export interface ServedAnswer {
	text: string;
	finishReason: string;
	metrics: RunMetrics;
	toolCalls?: ToolCall[];
	logprobs?: TokenLogprob[];
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

/** Streams one answer; load failures reject with ModelError for the caller to fall back. The lease is always released. */
export async function serveAnswer(models: ModelService, request: AnswerRequest, sink: AnswerSink): Promise<ServedAnswer> {
	const loaded = models.manager.isLoaded(request.modelId);
	if (!loaded) sink.loading();
	const stopProgress = loaded || !sink.progress ? () => {} : forwardLoadProgress(models, request.modelId, sink.progress);
	const lease = await models.manager.acquire(request.modelId, { signal: request.signal }).finally(stopProgress);
	try {
		sink.loaded({ cacheHit: lease.cacheHit, loadWaitMs: Math.round(lease.loadWaitMs), queueWaitMs: Math.round(lease.queueWaitMs) });
		const result = await execute(lease, {
			messages: request.messages,
			sampling: request.sampling,
			output: request.output,
			signal: request.signal,
			onText: sink.text
		});
		return {
			text: result.text,
			finishReason: result.finishReason,
			metrics: toMetrics(result),
			...(result.toolCalls && { toolCalls: result.toolCalls }),
			...(result.logprobs && { logprobs: result.logprobs })
		};
	} finally {
		await lease.release();
	}
}

export interface JsonRequest {
	modelId: string;
	messages: ChatMessage[];
	jsonSchema: Record<string, unknown>;
	maxTokens?: number;
	temperature?: number;
	/** Never load a model for this (a summary is not worth a load): undefined unless it is already loaded. */
	onlyIfLoaded?: boolean;
	signal?: AbortSignal;
}

/** A short answer constrained by a JSON-schema grammar, as text; undefined when the model is not usable now. */
export async function serveJson(models: ModelService, request: JsonRequest): Promise<string | undefined> {
	if (!models.spec(request.modelId)) return undefined;
	if (request.onlyIfLoaded && !models.manager.isLoaded(request.modelId)) return undefined;
	const lease = await models.manager.acquire(request.modelId, { signal: request.signal });
	try {
		const result = await execute(lease, {
			messages: request.messages,
			sampling: { maxTokens: request.maxTokens ?? 96, temperature: request.temperature ?? 0, seed: 1, jsonSchema: request.jsonSchema },
			signal: request.signal
		});
		return result.text;
	} finally {
		await lease.release();
	}
}

/** Relays the manager's load progress for one model, at most every 100 ms (and always the end). */
function forwardLoadProgress(models: ModelService, modelId: string, progress: (fraction: number) => void): () => void {
	let last = 0;
	const onProgress = (p: { modelId: string; fraction: number }) => {
		if (p.modelId !== modelId || (p.fraction < 1 && Date.now() - last < 100)) return;
		last = Date.now();
		progress(Math.max(0, Math.min(1, p.fraction)));
	};
	models.manager.on('progress', onProgress);
	return () => models.manager.off('progress', onProgress);
}
