// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import type { TelemetrySample } from '../contract/live';
import { TelemetryStore, WINDOW_MS } from './telemetry.svelte';
import { metrics } from './test-events';

const GIB = 1024 ** 3;

function sample(at: number, gpu = false): TelemetrySample {
	return {
		at,
		windowMs: 1000,
		cpu: { cores: 2, machinePercent: 40, processPercent: 10 },
		memory: { usedBytes: 4 * GIB, totalBytes: 16 * GIB, processRssBytes: GIB },
		eventLoop: { meanMs: 1, p99Ms: 2, maxMs: 3 },
		gpu: gpu
			? {
					available: true,
					llamaVram: null,
					gpus: [0, 1].map((index) => ({
						index,
						uuid: `GPU-${index}`,
						name: 'NVIDIA H100',
						utilizationPercent: index === 0 ? 50 : 70,
						memoryUtilizationPercent: 10,
						vramUsedBytes: 2 * GIB,
						vramTotalBytes: 80 * GIB,
						temperatureC: 40,
						powerDrawW: 100,
						powerLimitW: 700,
						fanPercent: null,
						smClockMhz: 1900,
						pstate: 'P0'
					}))
				}
			: { available: false, reason: 'nvidia-smi not found', llamaVram: null },
		modelCache: { loadedModels: 1, residentBytes: 1000 },
		runs: { activeRuns: 0, queueDepth: 0 }
	};
}

describe('TelemetryStore', () => {
	test('keeps ten minutes, in order, each sample once', () => {
		const t = new TelemetryStore();
		t.seed([sample(1_000), sample(2_000)]);
		t.add(sample(3_000));
		t.seed([sample(2_000), sample(3_000)]); // a rejoin overlaps
		expect(t.samples.map((s) => s.at)).toEqual([1_000, 2_000, 3_000]);
		t.add(sample(3_000 + WINDOW_MS));
		expect(t.samples.map((s) => s.at)).toEqual([3_000, 3_000 + WINDOW_MS]);
		t.add(sample(2_500)); // late: sorted in (and trimmed out as too old)
		expect(t.samples.map((s) => s.at)).toEqual([3_000, 3_000 + WINDOW_MS]);
	});

	test('columns for the charts: seconds on x, CPU %, memory GiB', () => {
		const t = new TelemetryStore();
		t.seed([sample(1_000), sample(2_000)]);
		expect(t.cpuColumns).toEqual([
			[1, 2],
			[40, 40],
			[10, 10]
		]);
		expect(t.memoryColumns).toEqual([
			[1, 2],
			[4, 4],
			[1, 1]
		]);
		expect(t.memoryTotalGiB).toBe(16);
	});

	test('no GPU: the reason; with GPUs: mean utilisation and summed VRAM', () => {
		const t = new TelemetryStore();
		expect(t.gpu).toEqual({ available: false, reason: 'no samples yet' });
		t.add(sample(1_000));
		expect(t.gpu).toEqual({ available: false, reason: 'nvidia-smi not found' });
		expect(t.gpuColumns).toEqual([[1], [null], [null]]);
		t.add(sample(2_000, true));
		expect(t.gpu).toEqual({ available: true, names: ['NVIDIA H100', 'NVIDIA H100'] });
		expect(t.gpuColumns).toEqual([
			[1, 2],
			[null, 60],
			[null, 4]
		]);
	});

	test('answer speed points, one per run and model', () => {
		const t = new TelemetryStore({ now: () => 6_000 });
		t.addAnswer('old', 6_000 - WINDOW_MS - 1, 'a', metrics());
		t.addAnswer('r1:a', 5_000, 'a', metrics({ tokensPerSecond: 900, timeToFirstTokenMs: 15 }));
		t.addAnswer('r1:a', 5_000, 'a', metrics());
		t.addAnswer('r0:a', 4_000, 'a', metrics({ tokensPerSecond: 500, timeToFirstTokenMs: null }));
		expect(t.answerColumns).toEqual([
			[4, 5],
			[500, 900],
			[null, 15]
		]);
	});
});
