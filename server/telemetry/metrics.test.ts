import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics';
import { parseNvidiaSmiOutput } from './nvidia-smi';
import type { TelemetrySample } from '../../src/lib/contract/telemetry';
import { readFixture } from '../../tests/helpers/telemetry';

interface Series {
	name: string;
	labels: Record<string, string>;
	value: number;
}

/** Minimal Prometheus text-format reader: one series per non-comment line, `name{k="v",...} value`. */
function parseExposition(text: string): Series[] {
	const series: Series[] = [];
	for (const line of text.split('\n')) {
		if (line === '' || line.startsWith('#')) continue;
		const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		if (!match) throw new Error(`unparseable exposition line: ${line}`);
		const labels: Record<string, string> = {};
		for (const [, key, raw] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
			labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
		}
		const value = match[3] === 'Nan' || match[3] === 'NaN' ? Number.NaN : Number(match[3]);
		series.push({ name: match[1], labels, value });
	}
	return series;
}

function valueOf(all: Series[], name: string, labels: Record<string, string> = {}): number | undefined {
	const found = all.filter(
		(s) =>
			s.name === name &&
			Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
			Object.keys(s.labels).length === Object.keys(labels).length
	);
	if (found.length > 1) throw new Error(`ambiguous series ${name} ${JSON.stringify(labels)}`);
	return found[0]?.value;
}

const baseSample: TelemetrySample = {
	at: 0,
	windowMs: 1000,
	cpu: { cores: 2, machinePercent: 10, processPercent: 5 },
	memory: { usedBytes: 1, totalBytes: 2, processRssBytes: 1 },
	eventLoop: { meanMs: 1, p99Ms: 12.5, maxMs: 20 },
	gpu: { available: false, reason: 'nvidia-smi not found', llamaVram: null },
	modelCache: { loadedModels: 1, residentBytes: 123_456_789 },
	runs: { activeRuns: 0, queueDepth: 0 }
};

describe('createMetrics', () => {
	it('exposes recorded counters and histograms with the moved values', async () => {
		const m = createMetrics();
		const run = { status: 'succeeded', mode: 'chat', task: 'summarize', model: 'tiny-chat' };
		m.runsTotal.inc(run);
		m.runsTotal.inc(run);
		m.runsTotal.inc({ ...run, status: 'failed' });
		m.nodeDurationSeconds.observe({ node: 'executor' }, 0.3);
		m.timeToFirstTokenSeconds.observe({ model: 'tiny-chat' }, 0.012);
		m.tokensPerSecond.observe({ model: 'tiny-chat' }, 1800);
		m.modelLoadSeconds.observe({ model: 'tiny-chat' }, 0.04);
		m.modelCacheHitsTotal.inc(3);
		m.modelCacheMissesTotal.inc();
		m.modelCacheEvictionsTotal.inc(2);
		m.socketsConnected.set(7);
		m.roomsActive.set(2);

		const all = parseExposition(await m.render());
		expect(valueOf(all, 'switchyard_runs_total', run)).toBe(2);
		expect(valueOf(all, 'switchyard_runs_total', { ...run, status: 'failed' })).toBe(1);

		const node = { node: 'executor' };
		expect(valueOf(all, 'switchyard_node_duration_seconds_bucket', { ...node, le: '0.25' })).toBe(0);
		expect(valueOf(all, 'switchyard_node_duration_seconds_bucket', { ...node, le: '0.5' })).toBe(1);
		expect(valueOf(all, 'switchyard_node_duration_seconds_bucket', { ...node, le: '+Inf' })).toBe(1);
		expect(valueOf(all, 'switchyard_node_duration_seconds_sum', node)).toBeCloseTo(0.3);
		expect(valueOf(all, 'switchyard_node_duration_seconds_count', node)).toBe(1);

		const model = { model: 'tiny-chat' };
		expect(valueOf(all, 'switchyard_time_to_first_token_seconds_bucket', { ...model, le: '0.01' })).toBe(0);
		expect(valueOf(all, 'switchyard_time_to_first_token_seconds_bucket', { ...model, le: '0.025' })).toBe(1);
		expect(valueOf(all, 'switchyard_tokens_per_second_bucket', { ...model, le: '1000' })).toBe(0);
		expect(valueOf(all, 'switchyard_tokens_per_second_bucket', { ...model, le: '2000' })).toBe(1);
		expect(valueOf(all, 'switchyard_tokens_per_second_sum', model)).toBe(1800);
		expect(valueOf(all, 'switchyard_model_load_seconds_count', model)).toBe(1);

		expect(valueOf(all, 'switchyard_model_cache_hits_total')).toBe(3);
		expect(valueOf(all, 'switchyard_model_cache_misses_total')).toBe(1);
		expect(valueOf(all, 'switchyard_model_cache_evictions_total')).toBe(2);
		expect(valueOf(all, 'switchyard_sockets_connected')).toBe(7);
		expect(valueOf(all, 'switchyard_rooms_active')).toBe(2);
	});

	it('includes default process metrics under the switchyard_ prefix, and nothing unprefixed', async () => {
		const all = parseExposition(await createMetrics().render());
		expect(valueOf(all, 'switchyard_process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
		expect(valueOf(all, 'switchyard_process_cpu_seconds_total')).toBeGreaterThan(0);
		expect(all.filter((s) => !s.name.startsWith('switchyard_'))).toEqual([]);
		const withoutDefaults = parseExposition(await createMetrics({ defaultMetrics: false }).render());
		expect(withoutDefaults.some((s) => s.name.startsWith('switchyard_process_'))).toBe(false);
	});

	it('updates gauges from a sampler sample, per GPU, and drops GPU series when GPUs go away', async () => {
		const m = createMetrics({ defaultMetrics: false });
		const gpus = parseNvidiaSmiOutput(readFixture('query-multi-gpu.csv')).samples;
		gpus[1] = { ...gpus[1], utilizationPercent: 37, vramUsedBytes: 5 * 2 ** 30 };
		m.updateFromSample({ ...baseSample, gpu: { available: true, gpus, llamaVram: null } });

		let all = parseExposition(await m.render());
		expect(valueOf(all, 'switchyard_model_cache_loaded_bytes')).toBe(123_456_789);
		expect(valueOf(all, 'switchyard_event_loop_lag_seconds')).toBeCloseTo(0.0125);
		expect(valueOf(all, 'switchyard_gpu_utilization_ratio', { gpu: '0' })).toBe(0);
		expect(valueOf(all, 'switchyard_gpu_utilization_ratio', { gpu: '1' })).toBeCloseTo(0.37);
		expect(valueOf(all, 'switchyard_gpu_vram_used_bytes', { gpu: '1' })).toBe(5 * 2 ** 30);
		expect(valueOf(all, 'switchyard_gpu_vram_total_bytes', { gpu: '0' })).toBe(81559 * 2 ** 20);

		m.updateFromSample(baseSample);
		all = parseExposition(await m.render());
		expect(all.filter((s) => s.name.startsWith('switchyard_gpu_'))).toEqual([]);
	});

	it('keeps separate registries apart', async () => {
		const a = createMetrics();
		const b = createMetrics();
		a.modelCacheHitsTotal.inc(5);
		expect(valueOf(parseExposition(await a.render()), 'switchyard_model_cache_hits_total')).toBe(5);
		expect(valueOf(parseExposition(await b.render()), 'switchyard_model_cache_hits_total')).toBe(0);
	});
});
