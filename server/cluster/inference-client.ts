// The driver side of inference: places a request on a worker (placement.ts), sends it as a job on that worker's
// queue and turns the frames that come back into the run's events. A worker that stops heartbeating mid-answer is
// detected within its TTL; the answer then starts again on another worker, or fails with a reason.
import { randomUUID } from 'node:crypto';
import { Queue, createNodeRedisClient } from 'bullmq';
import type { RunOutput } from '../../src/lib/contract/run-output';
import type { Sampling } from '../../src/lib/contract/runs';
import type { Logger } from '../logger';
import type { ChatMessage } from '../models/executor';
import { ModelError, type ModelErrorCode } from '../models/model-errors';
import type { ServedAnswer } from '../models/serve';
import { answerRecord } from '../orchestrator/executor-node';
import { BacklogMerger } from './backlog-merger';
import type { RunContext } from '../orchestrator/run-context';
import type { AnswerRecord } from '../orchestrator/state';
import { inferenceFrameSchema, inferenceNames, WORKER_STOPPED, type InferenceFrame, type InferenceJob } from './inference-protocol';
import { placeModel } from './placement';
import { safeJson, type RedisClient, type RedisHub } from './redis';
import type { WorkerRegistry } from './workers';

/** The worker serving a request stopped heartbeating. */
class WorkerLost extends Error {
	constructor(readonly workerId: string) {
		super(`worker ${workerId} stopped answering`);
	}
}

/**
 * After a worker was lost mid-answer: the error that ends the attempt, or undefined to start it again on another
 * worker. A streamed API answer cannot take back the text it sent, so once it sent some it ends here.
 */
export function endsWithLostWorker(workerId: string, attempt: { noRestartAfterText?: boolean; sentText: boolean }): ModelError | undefined {
	if (!attempt.noRestartAfterText || !attempt.sentText) return undefined;
	return new ModelError('load_failed', `worker ${workerId} stopped while answering, after part of the answer was streamed`);
}

type JobInput = Omit<Extract<InferenceJob, { kind: 'answer' }>, 'kind'> | Omit<Extract<InferenceJob, { kind: 'json' }>, 'kind'>;

export class RemoteInference {
	private readonly names;
	private readonly queues = new Map<string, Queue>();

	private constructor(
		private readonly redis: RedisHub,
		private readonly registry: WorkerRegistry,
		private readonly frames: RedisClient,
		private readonly producer: RedisClient,
		private readonly logger: Logger,
		/** How often a waiting request checks that its worker is alive. */
		private readonly livenessMs: number
	) {
		this.names = inferenceNames(redis);
	}

	static async create(redis: RedisHub, registry: WorkerRegistry, logger: Logger, livenessMs: number): Promise<RemoteInference> {
		return new RemoteInference(
			redis,
			registry,
			await redis.connect('infer-frames'),
			await redis.connect('infer-producer'),
			logger,
			livenessMs
		);
	}

	/** Streams one answer from the best worker for the model, as the run's model.* and tokens events. */
	async executeOnModel(input: {
		ctx: RunContext;
		modelId: string;
		messages: ChatMessage[];
		sampling: Sampling;
		output?: RunOutput;
		noRestartAfterText?: boolean;
	}): Promise<AnswerRecord> {
		const { ctx, modelId } = input;
		const lost = new Set<string>();
		let sentText = false;
		for (let restart = 1; ; restart++) {
			const placement = placeModel(modelId, await this.registry.list(), lost);
			if (!placement) {
				if (lost.size === 0) throw new ModelError('unknown_model', `No live worker serves ${modelId}`);
				throw new ModelError(
					'load_failed',
					`${[...lost].map((w) => `worker ${w}`).join(' and ')} stopped while answering, and no other worker serves ${modelId}`
				);
			}
			if (lost.size > 0)
				ctx.emit('retry', {
					attempt: restart,
					reason: `worker ${[...lost].at(-1)} stopped while answering: starting again on worker ${placement.workerId}`,
					modelId
				});
			const { workerId } = placement;
			// Frames that wait while this node is busy go out as one event (see BacklogMerger).
			const merged = new BacklogMerger((text, count, at) =>
				ctx.emit('tokens', at === undefined ? { modelId, text, count } : { modelId, text, count, producedAt: at })
			);
			try {
				const answer = await this.request(
					workerId,
					{ kind: 'answer', runId: ctx.runId, modelId, messages: input.messages, sampling: input.sampling, output: input.output },
					ctx.signal,
					(frame) => {
						if (frame.t === 'text') {
							sentText = true;
							return merged.push(frame);
						}
						merged.flush(); // held text stays ahead of any other event
						if (frame.t === 'loading') ctx.emit('model.loading', { modelId, workerId, sizeBytes: frame.sizeBytes ?? null });
						else if (frame.t === 'progress') ctx.emit('model.progress', { modelId, fraction: frame.fraction });
						else if (frame.t === 'loaded')
							ctx.emit('model.loaded', {
								modelId,
								workerId,
								cacheHit: frame.cacheHit,
								loadWaitMs: frame.loadWaitMs,
								queueWaitMs: frame.queueWaitMs
							});
					}
				);
				merged.flush();
				if (answer.t !== 'answer') throw new ModelError('load_failed', 'The worker answered a different request');
				const { t: _t, ...served } = answer;
				return answerRecord(ctx, modelId, served satisfies ServedAnswer);
			} catch (err) {
				merged.flush(); // text the worker sent before it failed or was cancelled is part of the run
				if (!(err instanceof WorkerLost)) throw err;
				this.logger.warn({ runId: ctx.runId, workerId, modelId }, 'worker lost mid-answer');
				const ends = endsWithLostWorker(workerId, { noRestartAfterText: input.noRestartAfterText, sentText });
				if (ends) throw ends;
				lost.add(workerId);
			}
		}
	}

	/** A short JSON answer from a helper model on the worker that holds it; undefined when no worker can give it now. */
	async askModelForJson(
		modelId: string,
		messages: ChatMessage[],
		jsonSchema: Record<string, unknown>,
		options: { signal?: AbortSignal; maxTokens?: number; temperature?: number; onlyIfLoaded?: boolean; runId?: string }
	): Promise<unknown> {
		const workers = await this.registry.list();
		const placement = placeModel(modelId, workers);
		if (!placement || (options.onlyIfLoaded && placement.score < 3)) return undefined;
		try {
			const frame = await this.request(
				placement.workerId,
				{
					kind: 'json',
					runId: options.runId ?? '',
					modelId,
					messages,
					jsonSchema,
					maxTokens: options.maxTokens,
					temperature: options.temperature,
					onlyIfLoaded: options.onlyIfLoaded
				},
				options.signal,
				() => {}
			);
			return frame.t === 'json' && frame.text !== null ? JSON.parse(frame.text) : undefined;
		} catch {
			return undefined;
		}
	}

	async close(): Promise<void> {
		await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
	}

	private queue(workerId: string): Queue {
		let queue = this.queues.get(workerId);
		if (!queue) {
			queue = new Queue(this.names.queue(workerId), { connection: createNodeRedisClient(this.producer), prefix: this.names.bullPrefix });
			queue.on('error', (err) => this.logger.warn({ err, workerId }, 'inference queue error'));
			this.queues.set(workerId, queue);
		}
		return queue;
	}

	/** Sends one job to a worker and resolves with its last frame (answer or json); error frames reject as ModelError. */
	private async request(
		workerId: string,
		job: JobInput & { kind: InferenceJob['kind'] },
		signal: AbortSignal | undefined,
		onFrame: (f: InferenceFrame) => void
	): Promise<InferenceFrame> {
		const jobId = randomUUID();
		const channel = this.names.frames(jobId);
		let settle!: { resolve: (f: InferenceFrame) => void; reject: (e: unknown) => void };
		const done = new Promise<InferenceFrame>((resolve, reject) => (settle = { resolve, reject }));
		let lastFrameAt = Date.now();
		const listener = (message: string) => {
			lastFrameAt = Date.now();
			const parsed = inferenceFrameSchema.safeParse(safeJson(message));
			if (!parsed.success) return;
			const frame = parsed.data;
			if (frame.t === 'answer' || frame.t === 'json') settle.resolve(frame);
			else if (frame.t === 'error')
				settle.reject(frame.code === WORKER_STOPPED ? new WorkerLost(workerId) : new ModelError(toModelCode(frame.code), frame.message));
			else onFrame(frame);
		};
		await this.frames.subscribe(channel, listener);
		const onAbort = () => void this.cancel(jobId);
		signal?.addEventListener('abort', onAbort, { once: true });
		const liveness = setInterval(() => {
			if (Date.now() - lastFrameAt < this.registry.ttlMs) return; // frames are coming: it is alive, whatever its heartbeat says
			this.registry.isAlive(workerId).then(
				(alive) => alive || settle.reject(new WorkerLost(workerId)),
				() => {} // Redis is unreachable: wait for it rather than call the worker dead
			);
		}, this.livenessMs);
		try {
			await this.queue(workerId).add('infer', job, { jobId, removeOnComplete: true, removeOnFail: true });
			if (signal?.aborted) onAbort();
			return await done;
		} finally {
			clearInterval(liveness);
			signal?.removeEventListener('abort', onAbort);
			await this.frames.unsubscribe(channel, listener).catch(() => {});
		}
	}

	/** Stops a job wherever it is: running (the worker aborts llama.cpp), or not started yet (the worker skips it). */
	private async cancel(jobId: string): Promise<void> {
		try {
			await this.redis.commands.set(this.redis.key('infer-cancelled', jobId), '1', { PX: 60_000 });
			await this.redis.commands.publish(this.names.cancels, jobId);
		} catch (err) {
			this.logger.warn({ err, jobId }, 'could not send a cancel to the worker');
		}
	}
}

const MODEL_CODES: readonly ModelErrorCode[] = [
	'unknown_model',
	'invalid_file',
	'too_large',
	'budget_busy',
	'queue_full',
	'load_failed',
	'quarantined',
	'aborted',
	'bad_request'
];
const toModelCode = (code: string): ModelErrorCode =>
	MODEL_CODES.includes(code as ModelErrorCode) ? (code as ModelErrorCode) : 'load_failed';
