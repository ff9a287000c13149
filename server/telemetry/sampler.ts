// Periodic machine/process/GPU/model-cache sampler. Each tick builds one TelemetrySample from deltas since the
// previous tick, hands it to subscribers (the realtime layer broadcasts it, metrics mirror it into gauges) and keeps
// the last N in a ring buffer so a dashboard that connects late can draw the recent past.
import os from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../logger';
import { RingBuffer } from './ring-buffer';
import type { GpuReport, ModelCacheStats, RunStats, TelemetrySample } from '../../src/lib/contract/telemetry';

export { telemetrySampleSchema, type TelemetrySample, type ModelCacheStats, type RunStats } from '../../src/lib/contract/telemetry';

/** What the sampler needs from the GPU source (createGpuSource satisfies it). */
export interface GpuReader {
	read(): Promise<GpuReport>;
}

export interface SamplerOptions {
	intervalMs?: number;
	/** Samples kept for history(); default covers 10 minutes at intervalMs. */
	capacity?: number;
	gpu?: GpuReader;
	/** From the ModelManager: what is loaded and how many bytes it holds. */
	modelCache?: () => ModelCacheStats;
	/** From the orchestrator: runs executing now and runs waiting for a slot. */
	runs?: () => RunStats;
	/**
	 * Period of the event-loop delay timer. Each period is a wakeup (~50 µs of CPU measured on this project's VMs),
	 * so 10 ms alone costs ~0.5% of a core; 20 ms halves that and still catches the stalls users notice.
	 */
	loopDelayResolutionMs?: number;
	logger?: Logger;
}

export type SampleListener = (sample: TelemetrySample) => void;

export interface Sampler {
	start(): void;
	stop(): void;
	readonly running: boolean;
	/**
	 * Takes one sample now (also what each tick does); it is recorded and published like a tick's.
	 * Resolves null only when stop() ran while the sample was waiting for the GPU source (it is then dropped).
	 * Event-loop figures are zero unless the sampler is started (the delay monitor runs only between start/stop).
	 */
	sampleNow(): Promise<TelemetrySample | null>;
	/** Oldest first. */
	history(): TelemetrySample[];
	latest(): TelemetrySample | undefined;
	/** Returns the unsubscribe function. */
	subscribe(listener: SampleListener): () => void;
}

export const DEFAULT_INTERVAL_MS = 1000;
const HISTORY_WINDOW_MS = 10 * 60 * 1000;

const NO_GPU: GpuReader = {
	read: async () => ({ available: false, reason: 'no GPU source configured', llamaVram: null })
};

interface CpuTimes {
	cores: number;
	busy: number;
	total: number;
}

/** Sum over cores; deltas of these give the machine's busy share, like `top` does from /proc/stat. */
function machineCpuTimes(): CpuTimes {
	const cpus = os.cpus(); // reads /proc/stat and /proc/cpuinfo: call once per sample
	let busy = 0;
	let total = 0;
	for (const { times } of cpus) {
		const sum = times.user + times.nice + times.sys + times.irq + times.idle;
		total += sum;
		busy += sum - times.idle;
	}
	return { cores: cpus.length, busy, total };
}

export const DEFAULT_LOOP_DELAY_RESOLUTION_MS = 20;

const clampPercent = (value: number) => Math.min(100, Math.max(0, Number.isFinite(value) ? value : 0));

export function createSampler(options: SamplerOptions = {}): Sampler {
	const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
	const capacity = options.capacity ?? Math.max(1, Math.ceil(HISTORY_WINDOW_MS / intervalMs));
	const gpu = options.gpu ?? NO_GPU;
	const modelCache = options.modelCache ?? (() => ({ loadedModels: 0, residentBytes: 0 }));
	const runs = options.runs ?? (() => ({ activeRuns: 0, queueDepth: 0 }));
	const logger = options.logger ?? silentLogger();
	const loopResolutionMs = options.loopDelayResolutionMs ?? DEFAULT_LOOP_DELAY_RESOLUTION_MS;
	// The delay histogram records the whole gap between ticks of its timer, so an idle loop reads ~resolution;
	// subtracting it leaves the lag itself.
	const lagMs = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - loopResolutionMs) : 0);

	const buffer = new RingBuffer<TelemetrySample>(capacity);
	const listeners = new Set<SampleListener>();
	let timer: NodeJS.Timeout | null = null;
	let inFlight = false;
	let loopDelay: IntervalHistogram | null = null;
	/** Bumped by stop(): a tick that was awaiting the GPU when stop() ran must not publish afterwards. */
	let generation = 0;

	// Baselines for the first sample's deltas.
	let previousWall = performance.now();
	let previousMachine = machineCpuTimes();
	let previousProcess = process.cpuUsage();

	function readEventLoop(): TelemetrySample['eventLoop'] {
		if (!loopDelay || loopDelay.count === 0) return { meanMs: 0, p99Ms: 0, maxMs: 0 };
		const result = {
			meanMs: lagMs(loopDelay.mean),
			p99Ms: lagMs(loopDelay.percentile(99)),
			maxMs: lagMs(loopDelay.max)
		};
		// Known blind spot: after reset() the histogram skips its first timer period (it needs a previous tick to
		// measure from), so a stall that starts within one resolution period after a sample is not counted (~2% of a 1 s window at 20 ms).
		loopDelay.reset();
		return result;
	}

	async function takeSample(): Promise<TelemetrySample | null> {
		const startedIn = generation;
		const wall = performance.now();
		const machine = machineCpuTimes();
		const processCpu = process.cpuUsage();
		const windowMs = wall - previousWall;
		const cores = machine.cores || 1;

		const machineTotal = machine.total - previousMachine.total;
		const machinePercent = machineTotal > 0 ? ((machine.busy - previousMachine.busy) / machineTotal) * 100 : 0;
		const processMicros = processCpu.user - previousProcess.user + (processCpu.system - previousProcess.system);
		const processPercent = windowMs > 0 ? (processMicros / 1000 / windowMs / cores) * 100 : 0;
		previousWall = wall;
		previousMachine = machine;
		previousProcess = processCpu;

		const totalBytes = os.totalmem();
		const sample: TelemetrySample = {
			at: Date.now(),
			windowMs,
			cpu: { cores, machinePercent: clampPercent(machinePercent), processPercent: clampPercent(processPercent) },
			memory: {
				usedBytes: totalBytes - os.freemem(),
				totalBytes,
				processRssBytes: process.memoryUsage.rss()
			},
			eventLoop: readEventLoop(),
			gpu: await readGpu(),
			modelCache: modelCache(),
			runs: runs()
		};
		if (startedIn !== generation) return null;
		buffer.push(sample);
		for (const listener of listeners) {
			try {
				listener(sample);
			} catch (err) {
				// One broken subscriber must not stop the others or the sampling loop.
				logger.warn({ err }, 'telemetry subscriber threw');
			}
		}
		return sample;
	}

	async function readGpu(): Promise<GpuReport> {
		try {
			return await gpu.read();
		} catch (err) {
			return { available: false, reason: `GPU source failed: ${(err as Error).message}`, llamaVram: null };
		}
	}

	async function tick() {
		// A slow GPU read must not stack up ticks behind it; skip this one instead.
		if (inFlight) return;
		inFlight = true;
		try {
			await takeSample();
		} catch (err) {
			logger.warn({ err }, 'telemetry sample failed');
		} finally {
			inFlight = false;
		}
	}

	return {
		start() {
			if (timer) return;
			loopDelay = monitorEventLoopDelay({ resolution: loopResolutionMs });
			loopDelay.enable();
			// Fresh baselines so the first tick covers one interval, not the time since creation.
			previousWall = performance.now();
			previousMachine = machineCpuTimes();
			previousProcess = process.cpuUsage();
			timer = setInterval(tick, intervalMs);
			// Telemetry alone must never keep the process alive.
			timer.unref();
		},
		stop() {
			generation += 1;
			if (timer) clearInterval(timer);
			timer = null;
			loopDelay?.disable();
			loopDelay = null;
		},
		get running() {
			return timer !== null;
		},
		sampleNow: takeSample,
		history: () => buffer.toArray(),
		latest: () => buffer.last(),
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		}
	};
}
