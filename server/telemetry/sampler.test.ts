import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuSource } from './gpu-source';
import { RingBuffer } from './ring-buffer';
import { createSampler, telemetrySampleSchema, type GpuReader, type Sampler, type TelemetrySample } from './sampler';
import { emptyPathDir } from '../../tests/helpers/telemetry';

const samplers: Sampler[] = [];
afterEach(() => samplers.splice(0).forEach((s) => s.stop()));
const track = (sampler: Sampler) => (samplers.push(sampler), sampler);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function burnCpu(ms: number) {
	const until = performance.now() + ms;
	let x = 0;
	while (performance.now() < until) x += Math.sqrt(x + 1);
	return x;
}
/** Spins until this process has used `ms` of CPU time (not wall time: the machine may be busy). */
function burnCpuTime(ms: number) {
	const start = process.cpuUsage();
	let x = 0;
	for (;;) {
		for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + i);
		const used = process.cpuUsage(start);
		if ((used.user + used.system) / 1000 >= ms) return x;
	}
}
async function taken(sampler: Sampler): Promise<TelemetrySample> {
	const sample = await sampler.sampleNow();
	if (!sample) throw new Error('sample was dropped');
	return sample;
}

describe('sampler on this CPU-only machine', () => {
	it('produces schema-valid samples with real numbers in range and the GPU reported unavailable', async () => {
		// An empty PATH makes "no nvidia-smi" deterministic even where one happens to be installed.
		const gpu = createGpuSource({ pathEnv: emptyPathDir() });
		const sampler = track(createSampler({ gpu }));
		const wall0 = performance.now();
		const cpu0 = process.cpuUsage();
		burnCpuTime(150);
		const sample = await taken(sampler);
		const cpu = process.cpuUsage(cpu0);
		// What the process really used over (about) the same window, as a share of the machine.
		const expectedPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0) / os.cpus().length) * 100;

		expect(telemetrySampleSchema.parse(sample)).toEqual(sample);
		expect(sample.cpu.cores).toBe(os.cpus().length);
		expect(sample.cpu.processPercent).toBeGreaterThan(expectedPercent * 0.7);
		expect(sample.cpu.processPercent).toBeLessThan(expectedPercent * 1.3 + 1);
		expect(sample.cpu.machinePercent).toBeGreaterThan(0);
		// 150 ms of CPU time can take a little less wall time when GC threads help, so allow some slack.
		expect(sample.windowMs).toBeGreaterThanOrEqual(100);
		expect(sample.windowMs).toBeLessThanOrEqual(performance.now() - wall0 + 50);
		expect(sample.memory.totalBytes).toBe(os.totalmem());
		expect(sample.memory.usedBytes).toBeGreaterThan(0);
		expect(sample.memory.usedBytes).toBeLessThan(sample.memory.totalBytes);
		expect(sample.memory.processRssBytes).toBeGreaterThan(10 * 2 ** 20);
		expect(sample.gpu).toEqual({ available: false, reason: 'nvidia-smi not found', llamaVram: null });
		expect(sample.modelCache).toEqual({ loadedModels: 0, residentBytes: 0 });
		expect(sample.runs).toEqual({ activeRuns: 0, queueDepth: 0 });
		expect(Math.abs(sample.at - Date.now())).toBeLessThan(1000);
	});

	it('sees process CPU fall back near zero when idle', async () => {
		const sampler = track(createSampler());
		await taken(sampler);
		await sleep(300);
		const idle = await taken(sampler);
		expect(idle.cpu.processPercent).toBeLessThan(15);
	});

	it('measures event-loop lag while running, and includes provider values', async () => {
		const resolution = 50;
		const sampler = track(
			createSampler({
				intervalMs: 1000,
				loopDelayResolutionMs: resolution,
				modelCache: () => ({ loadedModels: 2, residentBytes: 3_000_000 }),
				runs: () => ({ activeRuns: 1, queueDepth: 4 })
			})
		);
		sampler.start();
		await sleep(400);
		const idle = await taken(sampler);
		// Idle, each timer gap is ~resolution; that period is not lag, so the mean must sit well below it.
		expect(idle.eventLoop.meanMs).toBeLessThan(resolution / 2);
		await sleep(2 * resolution); // let the histogram tick after the reset (see the blind spot noted in sampler.ts)
		burnCpu(150); // blocks the loop for 150 ms of wall time: the gap is >= 150 ms, lag >= 100 ms
		await sleep(2 * resolution);
		const sample = await taken(sampler);
		expect(sample.eventLoop.maxMs).toBeGreaterThanOrEqual(90);
		expect(sample.eventLoop.p99Ms).toBeGreaterThanOrEqual(90);
		expect(sample.eventLoop.meanMs).toBeGreaterThan(idle.eventLoop.meanMs);
		expect(sample.modelCache).toEqual({ loadedModels: 2, residentBytes: 3_000_000 });
		expect(sample.runs).toEqual({ activeRuns: 1, queueDepth: 4 });
	});

	it('keeps only the last `capacity` samples, oldest first', async () => {
		const sampler = track(createSampler({ capacity: 3 }));
		const all: TelemetrySample[] = [];
		for (let i = 0; i < 5; i++) {
			all.push(await taken(sampler));
			await sleep(2);
		}
		expect(sampler.history()).toEqual(all.slice(2));
		expect(sampler.latest()).toBe(all[4]);
		const times = sampler.history().map((s) => s.at);
		expect([...times].sort((a, b) => a - b)).toEqual(times);
	});

	it('defaults history to ten minutes of samples', async () => {
		const sampler = track(createSampler({ intervalMs: 500 }));
		for (let i = 0; i < 1205; i++) await sampler.sampleNow();
		expect(sampler.history()).toHaveLength(1200);
	});

	it('ticks on its interval, publishes to subscribers, survives a throwing one, and stop() stops', async () => {
		const sampler = track(createSampler({ intervalMs: 25 }));
		const received: TelemetrySample[] = [];
		const late: TelemetrySample[] = [];
		sampler.subscribe(() => {
			throw new Error('broken subscriber');
		});
		const unsubscribe = sampler.subscribe((s) => received.push(s));
		sampler.start();
		expect(sampler.running).toBe(true);
		await sleep(200);
		expect(received.length).toBeGreaterThanOrEqual(3);
		expect(sampler.history()).toEqual(received);

		unsubscribe();
		sampler.subscribe((s) => late.push(s));
		await sleep(80);
		const countAtUnsubscribe = received.length;
		expect(late.length).toBeGreaterThanOrEqual(1);

		sampler.stop();
		expect(sampler.running).toBe(false);
		const historyAtStop = sampler.history().length;
		await sleep(120);
		expect(received).toHaveLength(countAtUnsubscribe);
		expect(sampler.history()).toHaveLength(historyAtStop);
	});

	it('drops a tick that was waiting on a slow GPU source when stop() ran', async () => {
		let release: () => void = () => {};
		const slowGpu: GpuReader = {
			read: () => new Promise((resolve) => (release = () => resolve({ available: false, reason: 'slow', llamaVram: null })))
		};
		const sampler = track(createSampler({ intervalMs: 10, gpu: slowGpu }));
		const received: TelemetrySample[] = [];
		sampler.subscribe((s) => received.push(s));
		sampler.start();
		await sleep(60); // one tick is in flight; later ticks are skipped rather than stacked
		sampler.stop();
		release();
		await sleep(20);
		expect(received).toEqual([]);
		expect(sampler.history()).toEqual([]);
	});

	it('turns a failing GPU source into an unavailable report instead of failing the sample', async () => {
		const sampler = track(createSampler({ gpu: { read: () => Promise.reject(new Error('boom')) } }));
		const sample = await taken(sampler);
		expect(sample.gpu).toEqual({ available: false, reason: 'GPU source failed: boom', llamaVram: null });
	});
});

describe('RingBuffer', () => {
	it('overwrites the oldest item once full', () => {
		const ring = new RingBuffer<number>(3);
		expect(ring.toArray()).toEqual([]);
		expect(ring.last()).toBeUndefined();
		for (let i = 1; i <= 7; i++) ring.push(i);
		expect(ring.toArray()).toEqual([5, 6, 7]);
		expect(ring.size).toBe(3);
		expect(ring.last()).toBe(7);
	});

	it('rejects a capacity that is not a positive integer', () => {
		expect(() => new RingBuffer(0)).toThrow(RangeError);
		expect(() => new RingBuffer(1.5)).toThrow(RangeError);
	});
});
