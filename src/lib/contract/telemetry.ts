// Wire types for telemetry (zod only: shared by the server and the browser).
import { z } from 'zod';

/** One GPU as nvidia-smi reported it at one moment. null = the driver said N/A or Not Supported. */
export const gpuSampleSchema = z.object({
	index: z.number().int().nonnegative(),
	uuid: z.string().min(1),
	name: z.string(),
	utilizationPercent: z.number().nullable(),
	memoryUtilizationPercent: z.number().nullable(),
	vramUsedBytes: z.number().nonnegative().nullable(),
	vramTotalBytes: z.number().nonnegative().nullable(),
	temperatureC: z.number().nullable(),
	powerDrawW: z.number().nullable(),
	powerLimitW: z.number().nullable(),
	fanPercent: z.number().nullable(),
	smClockMhz: z.number().nullable(),
	pstate: z.string().nullable()
});
export type GpuSample = z.infer<typeof gpuSampleSchema>;

/** What node-llama-cpp's getVramState() returns (all zeros on a CPU-only build). */
export const llamaVramSchema = z.object({
	total: z.number().nonnegative(),
	used: z.number().nonnegative(),
	free: z.number().nonnegative()
});
export type LlamaVram = z.infer<typeof llamaVramSchema>;

export const gpuReportSchema = z.discriminatedUnion('available', [
	z.object({
		available: z.literal(true),
		gpus: z.array(gpuSampleSchema),
		llamaVram: llamaVramSchema.nullable()
	}),
	z.object({
		available: z.literal(false),
		reason: z.string(),
		llamaVram: llamaVramSchema.nullable()
	})
]);
export type GpuReport = z.infer<typeof gpuReportSchema>;

const count = z.number().int().nonnegative();

export const telemetrySampleSchema = z.object({
	/** Epoch milliseconds when the sample was taken. */
	at: z.number(),
	/** Milliseconds the CPU deltas cover (the real gap since the previous sample, not the nominal interval). */
	windowMs: z.number().nonnegative(),
	cpu: z.object({
		cores: count,
		/** Busy share of the whole machine, 0–100 (all cores together). */
		machinePercent: z.number().min(0).max(100),
		/** This process's user+system time as a share of the whole machine, 0–100, comparable with machinePercent. */
		processPercent: z.number().min(0).max(100)
	}),
	memory: z.object({
		usedBytes: z.number().nonnegative(),
		totalBytes: z.number().nonnegative(),
		processRssBytes: z.number().nonnegative()
	}),
	/** Event-loop delay over the window (perf_hooks histogram, reset each sample). */
	eventLoop: z.object({
		meanMs: z.number().nonnegative(),
		p99Ms: z.number().nonnegative(),
		maxMs: z.number().nonnegative()
	}),
	gpu: gpuReportSchema,
	modelCache: z.object({ loadedModels: count, residentBytes: z.number().nonnegative() }),
	runs: z.object({ activeRuns: count, queueDepth: count })
});
export type TelemetrySample = z.infer<typeof telemetrySampleSchema>;
export type ModelCacheStats = TelemetrySample['modelCache'];
export type RunStats = TelemetrySample['runs'];
