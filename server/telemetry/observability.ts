import type { Logger } from '../logger';
import type { ModelService } from '../models/service';
import type { RunBus } from '../orchestrator/bus';
import { createGpuSource, type GpuSource } from './gpu-source';
import { createMetrics, type Metrics } from './metrics';
import { createSampler, type Sampler } from './sampler';
import { listen } from '../listen';

export interface ObservabilityDeps {
	models: ModelService;
	bus: RunBus;
	logger: Logger;
	intervalMs?: number;
	/** Runs executing now (from the orchestrator). */
	activeRuns: () => number;
	/** Socket and room counts from the realtime layer, read at scrape time. */
	realtimeCounts?: () => { sockets: number; rooms: number };
}

export interface Observability {
	metrics: Metrics;
	sampler: Sampler;
	/** Prometheus text, with gauges read at scrape time. */
	scrape(): Promise<string>;
	close(): Promise<void>;
}

/**
 * Wires the process's signals into Prometheus metrics and the telemetry sampler: run events from the bus, model
 * cache events from the ModelManager, machine and GPU figures from the sampler.
 */
export function createObservability(deps: ObservabilityDeps): Observability {
	const metrics = createMetrics();
	const { manager } = deps.models;
	const gpu: GpuSource = createGpuSource({
		intervalMs: deps.intervalMs ?? 1000,
		logger: deps.logger,
		readLlamaVram: () => deps.models.vramState()
	});
	const sampler = createSampler({
		intervalMs: deps.intervalMs,
		gpu,
		logger: deps.logger,
		modelCache: () => ({
			loadedModels: manager.status().filter((m) => m.state === 'ready').length,
			residentBytes: manager.used().ramBytes
		}),
		runs: () => ({ activeRuns: deps.activeRuns(), queueDepth: manager.status().reduce((n, m) => n + m.queued, 0) })
	});
	const unsubscribeSampler = sampler.subscribe((s) => metrics.updateFromSample(s));

	// Labels that the finishing event lacks are remembered from earlier events of the same run.
	const runLabels = new Map<string, { mode: string; task: string; model: string }>();
	const unsubscribeBus = deps.bus.subscribe((e, origin) => {
		if (origin === 'remote') return; // counted by the node that drives the run: a cluster's metrics add up once
		switch (e.type) {
			case 'run.queued':
				runLabels.set(e.runId, { mode: e.data.mode, task: 'none', model: 'none' });
				break;
			case 'node.finished': {
				metrics.nodeDurationSeconds.observe({ node: e.data.node }, e.data.ms / 1000);
				const labels = runLabels.get(e.runId);
				if (labels && e.data.node === 'taskAnalyzer' && typeof e.data.output.task === 'string') labels.task = e.data.output.task;
				break;
			}
			case 'model.loaded': {
				const labels = runLabels.get(e.runId);
				if (labels) labels.model = e.data.modelId;
				break;
			}
			case 'run.answer':
				if (e.data.metrics.timeToFirstTokenMs !== null)
					metrics.timeToFirstTokenSeconds.observe({ model: e.data.modelId }, e.data.metrics.timeToFirstTokenMs / 1000);
				if (e.data.metrics.tokensPerSecond > 0) metrics.tokensPerSecond.observe({ model: e.data.modelId }, e.data.metrics.tokensPerSecond);
				break;
			case 'run.finished':
			case 'run.failed':
			case 'run.cancelled': {
				const labels = runLabels.get(e.runId) ?? { mode: 'unknown', task: 'none', model: 'none' };
				const status = e.type === 'run.finished' ? e.data.status : e.type === 'run.failed' ? 'failed' : 'cancelled';
				metrics.runsTotal.inc({ status, ...labels });
				runLabels.delete(e.runId);
				break;
			}
		}
	});

	const stopCache = listen(manager, {
		loaded: (e) => metrics.modelLoadSeconds.observe({ model: e.modelId }, e.ms / 1000),
		evicted: () => metrics.modelCacheEvictionsTotal.inc()
	});

	// The manager counts hits and misses itself (the hot path stays free of metric calls); scrapes add the delta.
	let seen = { hits: 0, misses: 0 };
	return {
		metrics,
		sampler,
		async scrape() {
			const { hits, misses } = manager.stats;
			metrics.modelCacheHitsTotal.inc(hits - seen.hits);
			metrics.modelCacheMissesTotal.inc(misses - seen.misses);
			seen = { hits, misses };
			metrics.modelCacheLoadedBytes.set(manager.used().ramBytes);
			const counts = deps.realtimeCounts?.();
			if (counts) {
				metrics.socketsConnected.set(counts.sockets);
				metrics.roomsActive.set(counts.rooms);
			}
			return metrics.render();
		},
		async close() {
			sampler.stop();
			unsubscribeSampler();
			unsubscribeBus();
			stopCache();
			await gpu.close();
		}
	};
}
