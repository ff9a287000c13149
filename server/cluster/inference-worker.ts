// The worker side of inference: consumes this worker's BullMQ queue, serves each job on the local model cache and
// streams frames back on the job's channel. Tokens are coalesced per frame (one Redis message per ~16 ms of text).
import { Worker as QueueWorker, createNodeRedisClient, type Job } from 'bullmq';
import type { Logger } from '../logger';
import { FrameCoalescer, traceTokens } from '../models/frame-coalescer';
import { ModelError } from '../models/model-errors';
import { serveAnswer, serveJson } from '../models/serve';
import type { ModelService } from '../models/service';
import { inferenceJobSchema, inferenceNames, WORKER_STOPPED, type OutgoingFrame } from './inference-protocol';
import type { RedisHub } from './redis';
import { WorkerRegistry } from './workers';

/** Longest a text frame waits for more tokens (one animation frame). */
const FRAME_MS = 16;
/** A job older than this when it starts was left for a worker that died and came back: its driver gave up on it. */
const STALE_JOB_MS = 60_000;

export interface InferenceWorker {
	/** Jobs being served now. */
	active(): number;
	close(): Promise<void>;
}

export async function startInferenceWorker(deps: {
	redis: RedisHub;
	models: ModelService;
	workerId: string;
	logger: Logger;
	concurrency?: number;
}): Promise<InferenceWorker> {
	const { redis, models, logger } = deps;
	const names = inferenceNames(redis);
	const running = new Map<string, AbortController>();
	let stopping = false;

	const cancels = await redis.connect('infer-cancels');
	await cancels.subscribe(names.cancels, (jobId) => running.get(jobId)?.abort(new Error('cancelled')));

	const send = (jobId: string, frame: OutgoingFrame) => redis.commands.publish(names.frames(jobId), JSON.stringify(frame));

	async function serve(job: Job): Promise<void> {
		const jobId = job.id!;
		if (Date.now() - job.timestamp > STALE_JOB_MS) return;
		const parsed = inferenceJobSchema.safeParse(job.data);
		if (!parsed.success) {
			await send(jobId, { t: 'error', code: 'bad_request', message: 'The inference request is malformed' });
			return;
		}
		const request = parsed.data;
		const controller = new AbortController();
		running.set(jobId, controller);
		try {
			// Cancelled before it started (the cancel message went out while the job waited in the queue).
			if (await redis.commands.exists(redis.key('infer-cancelled', jobId))) controller.abort(new Error('cancelled'));
			if (request.kind === 'json') {
				const text = await serveJson(models, { ...request, signal: controller.signal }).catch(() => undefined);
				await send(jobId, { t: 'json', text: text ?? null });
				return;
			}
			const trace = traceTokens();
			const frames = new FrameCoalescer(
				(text, count, at) => void send(jobId, trace ? { t: 'text', text, count, at } : { t: 'text', text, count }),
				FRAME_MS
			);
			const answer = await serveAnswer(
				models,
				{
					modelId: request.modelId,
					messages: request.messages,
					sampling: request.sampling,
					output: request.output,
					signal: controller.signal
				},
				{
					loading: () =>
						void send(jobId, { t: 'loading', sizeBytes: models.list().find((m) => m.id === request.modelId)?.sizeBytes ?? null }),
					progress: (fraction) => void send(jobId, { t: 'progress', fraction }),
					loaded: (info) => void send(jobId, { t: 'loaded', ...info }),
					text: (chunk) => frames.push(chunk)
				}
			).finally(() => frames.flush());
			// Stopped by this worker's shutdown, not by the run: the driver starts the answer again elsewhere.
			if (stopping) await send(jobId, { t: 'error', code: WORKER_STOPPED, message: 'The worker shut down while answering' });
			else await send(jobId, { t: 'answer', ...answer });
		} catch (err) {
			if (stopping) await send(jobId, { t: 'error', code: WORKER_STOPPED, message: 'The worker shut down while answering' });
			else if (err instanceof ModelError) await send(jobId, { t: 'error', code: err.code, message: err.message });
			else {
				logger.error({ err, runId: request.runId, modelId: request.modelId }, 'inference job failed');
				await send(jobId, { t: 'error', code: 'internal', message: 'The worker failed while answering' });
			}
		} finally {
			running.delete(jobId);
		}
	}

	const client = await redis.connect(WorkerRegistry.connectionName(deps.workerId));
	const worker = new QueueWorker(names.queue(deps.workerId), serve, {
		connection: createNodeRedisClient(client),
		prefix: names.bullPrefix,
		// The model cache queues and refuses by itself (MODEL_PARALLELISM, MODEL_MAX_QUEUE): take what comes.
		concurrency: deps.concurrency ?? 64,
		removeOnComplete: { count: 0 },
		removeOnFail: { count: 100 }
	});
	worker.on('error', (err) => logger.warn({ err }, 'inference queue error'));
	await worker.waitUntilReady();

	return {
		active: () => running.size,
		async close() {
			stopping = true;
			for (const controller of running.values()) controller.abort(new Error('worker shutting down'));
			await worker.close();
		}
	};
}
