// What travels between a run's driver and an inference worker: the job (a BullMQ job on the worker's own queue)
// and the frames that stream back on the job's Redis channel. Both sides parse with these schemas.
import { z } from 'zod';
import type { RunOutput, TokenLogprob, ToolCall } from '../../src/lib/contract/run-output';
import type { Sampling } from '../../src/lib/contract/runs';
import type { ChatMessage } from '../models/executor';
import type { ModelErrorCode } from '../models/model-errors';
import type { RedisHub } from './redis';

const messages = z
	.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(1_000_000) }))
	.min(1)
	.max(1000);

export const inferenceJobSchema = z.discriminatedUnion('kind', [
	z.object({
		kind: z.literal('answer'),
		runId: z.string().max(100),
		modelId: z.string().min(1).max(200),
		messages,
		// Validated where the run was started (the run request schema); carried as is.
		sampling: z.record(z.string(), z.unknown()).transform((s) => s as Sampling),
		output: z
			.record(z.string(), z.unknown())
			.optional()
			.transform((o) => o as RunOutput | undefined)
	}),
	z.object({
		kind: z.literal('json'),
		runId: z.string().max(100),
		modelId: z.string().min(1).max(200),
		messages,
		jsonSchema: z.record(z.string(), z.unknown()),
		maxTokens: z.number().int().min(1).max(8192).optional(),
		temperature: z.number().min(0).max(2).optional(),
		onlyIfLoaded: z.boolean().optional()
	})
]);
export type InferenceJob = z.infer<typeof inferenceJobSchema> & { messages: ChatMessage[] };

const metrics = z.object({
	queueWaitMs: z.number(),
	loadWaitMs: z.number(),
	timeToFirstTokenMs: z.number().nullable(),
	tokensPerSecond: z.number(),
	promptTokens: z.number(),
	completionTokens: z.number(),
	totalMs: z.number()
});

export const inferenceFrameSchema = z.discriminatedUnion('t', [
	z.object({ t: z.literal('loading'), sizeBytes: z.number().nullable().optional() }),
	z.object({ t: z.literal('progress'), fraction: z.number().min(0).max(1) }),
	z.object({ t: z.literal('loaded'), cacheHit: z.boolean(), loadWaitMs: z.number(), queueWaitMs: z.number() }),
	/** Text generated since the last frame (the worker coalesces tokens per frame). */
	z.object({
		t: z.literal('text'),
		text: z.string(),
		count: z.number().int().min(1),
		/** When the newest text left the model (epoch ms), only with SWITCHYARD_TRACE_TOKENS=1 on the worker. */
		at: z.number().optional()
	}),
	z.object({
		t: z.literal('answer'),
		text: z.string(),
		finishReason: z.string(),
		metrics,
		// Shapes checked where they were made (server/models); carried as is.
		toolCalls: z
			.array(z.unknown())
			.optional()
			.transform((c) => c as ToolCall[] | undefined),
		logprobs: z
			.array(z.unknown())
			.optional()
			.transform((l) => l as TokenLogprob[] | undefined)
	}),
	/** A `json` job's text; null when the model was not usable. */
	z.object({ t: z.literal('json'), text: z.string().nullable() }),
	z.object({ t: z.literal('error'), code: z.string(), message: z.string() })
]);
export type InferenceFrame = z.infer<typeof inferenceFrameSchema>;
/** A frame as the worker writes it (parsed into InferenceFrame on the driver). */
export type OutgoingFrame = z.input<typeof inferenceFrameSchema>;
/** An error frame's code when the worker shut down mid-answer: like a lost worker, the answer starts again elsewhere. */
export const WORKER_STOPPED = 'worker_stopped';
export type InferenceErrorCode = ModelErrorCode | 'internal' | typeof WORKER_STOPPED;

/** Names shared by both sides. */
export const inferenceNames = (redis: RedisHub) => ({
	/** BullMQ's key prefix: the queues live under the cluster's prefix. */
	bullPrefix: redis.key('bull'),
	queue: (workerId: string) => `infer-${workerId}`,
	frames: (jobId: string) => redis.key('infer', jobId),
	/** Every worker listens here for cancels of the jobs it runs. */
	cancels: redis.key('infer-cancel')
});
