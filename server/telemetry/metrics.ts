// Prometheus instruments for /metrics. Each createMetrics() owns a fresh Registry, never prom-client's global one,
// so tests and several app instances in one process never collide on "metric already registered".
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TelemetrySample } from '../../src/lib/contract/telemetry';

export const METRIC_PREFIX = 'switchyard_';

export type RunLabels = 'status' | 'mode' | 'task' | 'model';

export interface Metrics {
	registry: Registry;
	runsTotal: Counter<RunLabels>;
	nodeDurationSeconds: Histogram<'node'>;
	timeToFirstTokenSeconds: Histogram<'model'>;
	tokensPerSecond: Histogram<'model'>;
	modelCacheHitsTotal: Counter;
	modelCacheMissesTotal: Counter;
	modelCacheEvictionsTotal: Counter;
	modelCacheLoadedBytes: Gauge;
	modelLoadSeconds: Histogram<'model'>;
	socketsConnected: Gauge;
	roomsActive: Gauge;
	eventLoopLagSeconds: Gauge;
	gpuUtilizationRatio: Gauge<'gpu'>;
	gpuVramUsedBytes: Gauge<'gpu'>;
	gpuVramTotalBytes: Gauge<'gpu'>;
	/** Mirrors a sampler sample into the gauges it covers (call it from a sampler subscription). */
	updateFromSample(sample: TelemetrySample): void;
	/** Prometheus text exposition of everything in this registry. */
	render(): Promise<string>;
}

export interface MetricsOptions {
	/** prom-client's default process metrics (CPU, RSS, heap, GC, handles), prefixed switchyard_. Default true. */
	defaultMetrics?: boolean;
	/**
	 * Period (ms) of the event-loop delay timer the default metrics run. prom-client's default is 10; each period is
	 * a wakeup (~50 µs CPU on this project's VMs), so 20 halves that cost. Same reasoning as the sampler's.
	 */
	eventLoopMonitoringPrecision?: number;
}

// Buckets sized for local models: tiny GGUFs answer in milliseconds and decode thousands of tokens/s, big ones
// take seconds to the first token and tens of seconds to load.
const NODE_DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TOKENS_PER_SECOND_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
const MODEL_LOAD_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMetrics(options: MetricsOptions = {}): Metrics {
	const registry = new Registry();
	if (options.defaultMetrics ?? true) {
		collectDefaultMetrics({
			register: registry,
			prefix: METRIC_PREFIX,
			eventLoopMonitoringPrecision: options.eventLoopMonitoringPrecision ?? 20
		});
	}
	const registers = [registry];
	const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;

	const counter = <L extends string>(suffix: string, help: string, labelNames: readonly L[] = []) =>
		new Counter<L>({ name: name(suffix), help, labelNames, registers });
	const gauge = <L extends string>(suffix: string, help: string, labelNames: readonly L[] = []) =>
		new Gauge<L>({ name: name(suffix), help, labelNames, registers });
	const histogram = <L extends string>(suffix: string, help: string, buckets: number[], labelNames: readonly L[]) =>
		new Histogram<L>({ name: name(suffix), help, labelNames, buckets, registers });

	const gpuUtilizationRatio = gauge('gpu_utilization_ratio', 'GPU busy share, 0–1, from nvidia-smi', ['gpu']);
	const gpuVramUsedBytes = gauge('gpu_vram_used_bytes', 'GPU memory in use, from nvidia-smi', ['gpu']);
	const gpuVramTotalBytes = gauge('gpu_vram_total_bytes', 'GPU memory size, from nvidia-smi', ['gpu']);
	const modelCacheLoadedBytes = gauge('model_cache_loaded_bytes', 'Bytes held by loaded models');
	const eventLoopLagSeconds = gauge('event_loop_lag_seconds', 'p99 event-loop delay over the last sampler window');

	return {
		registry,
		runsTotal: counter('runs_total', 'Finished runs', ['status', 'mode', 'task', 'model']),
		nodeDurationSeconds: histogram('node_duration_seconds', 'Graph node wall time', NODE_DURATION_BUCKETS, ['node']),
		timeToFirstTokenSeconds: histogram('time_to_first_token_seconds', 'Prompt submitted to first token', TTFT_BUCKETS, ['model']),
		tokensPerSecond: histogram('tokens_per_second', 'Decode throughput per generation', TOKENS_PER_SECOND_BUCKETS, ['model']),
		modelCacheHitsTotal: counter('model_cache_hits_total', 'Model requests served by an already loaded model'),
		modelCacheMissesTotal: counter('model_cache_misses_total', 'Model requests that had to load the model'),
		modelCacheEvictionsTotal: counter('model_cache_evictions_total', 'Models unloaded to make room'),
		modelCacheLoadedBytes,
		modelLoadSeconds: histogram('model_load_seconds', 'Time to load a model', MODEL_LOAD_BUCKETS, ['model']),
		socketsConnected: gauge('sockets_connected', 'Connected Socket.IO clients'),
		roomsActive: gauge('rooms_active', 'Rooms with at least one connected member'),
		eventLoopLagSeconds,
		gpuUtilizationRatio,
		gpuVramUsedBytes,
		gpuVramTotalBytes,
		updateFromSample(sample) {
			modelCacheLoadedBytes.set(sample.modelCache.residentBytes);
			eventLoopLagSeconds.set(sample.eventLoop.p99Ms / 1000);
			// Reset first so a GPU that vanished (or nvidia-smi going away) drops its series instead of freezing.
			gpuUtilizationRatio.reset();
			gpuVramUsedBytes.reset();
			gpuVramTotalBytes.reset();
			if (!sample.gpu.available) return;
			for (const g of sample.gpu.gpus) {
				const labels = { gpu: String(g.index) };
				if (g.utilizationPercent !== null) gpuUtilizationRatio.set(labels, g.utilizationPercent / 100);
				if (g.vramUsedBytes !== null) gpuVramUsedBytes.set(labels, g.vramUsedBytes);
				if (g.vramTotalBytes !== null) gpuVramTotalBytes.set(labels, g.vramTotalBytes);
			}
		},
		render: () => registry.metrics()
	};
}
