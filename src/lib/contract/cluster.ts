import { z } from 'zod';

const bytes = z.number().int().min(0);

/** One model a worker can serve: what the router needs to choose it, and what the worker's cache says about it now. */
export const workerModelSchema = z.object({
	id: z.string().min(1).max(200),
	displayName: z.string().max(200),
	capabilities: z.array(z.string().max(40)).max(20),
	quality: z.record(z.string(), z.number()),
	/** Calls functions (catalogue or chat template): preferred when a run offers tools. */
	tools: z.boolean().optional(),
	/** What loading it would reserve (llama.cpp's estimate); null while unknown. */
	estimatedRamBytes: bytes.nullable(),
	estimatedVramBytes: bytes.nullable(),
	/** Cache state on this worker: absent when not loaded. */
	state: z.enum(['loading', 'ready', 'unloading']).optional(),
	ramBytes: bytes,
	vramBytes: bytes,
	leases: z.number().int().min(0),
	queued: z.number().int().min(0),
	pinned: z.boolean(),
	lastUsedAt: z.number().min(0)
});

/**
 * What an inference worker reports about itself every WORKER_HEARTBEAT_MS: the models it can serve and holds, its
 * memory budget and load. Read from Redis on other nodes, so it is validated like any input.
 */
export const workerStateSchema = z.object({
	id: z.string().min(1).max(64),
	startedAt: z.number(),
	/** When this state was written (the worker's clock). */
	at: z.number(),
	budget: z.object({ ramBytes: bytes, vramBytes: bytes }),
	used: z.object({ ramBytes: bytes, vramBytes: bytes }),
	system: z.object({ freeRamBytes: bytes, totalRamBytes: bytes }),
	gpu: z.object({ available: z.boolean(), name: z.string().max(200).optional() }),
	/** Sequences decoding now, and requests waiting for one, over all models. */
	activeSequences: z.number().int().min(0),
	queueDepth: z.number().int().min(0),
	models: z.array(workerModelSchema).max(1000)
});

export type WorkerModel = z.infer<typeof workerModelSchema>;
export type WorkerState = z.infer<typeof workerStateSchema>;
