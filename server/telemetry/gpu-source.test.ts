// The fake nvidia-smi used here is a node script replaying output captured on a real H100 (see tests/helpers/telemetry.ts):
// no GPU exists on the machines that run these tests.
import { afterEach, describe, expect, it } from 'vitest';
import { NVIDIA_SMI_NOT_FOUND, createGpuSource, findExecutable, type GpuSource, type GpuSourceEvent } from './gpu-source';
import { nvidiaSmiArgs } from './nvidia-smi';
import { gpuReportSchema } from '../../src/lib/contract/telemetry';
import { createFakeNvidiaSmi, emptyPathDir, readFixture } from '../../tests/helpers/telemetry';

const sources: GpuSource[] = [];
afterEach(async () => {
	await Promise.all(sources.splice(0).map((s) => s.close()));
});

function track(source: GpuSource) {
	sources.push(source);
	return source;
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((r) => setTimeout(r, 10));
	}
}

const isAlive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

describe('gpu source without nvidia-smi', () => {
	it('says plainly that nvidia-smi was not found on PATH', async () => {
		const source = track(createGpuSource({ pathEnv: emptyPathDir() }));
		await expect(source.read()).resolves.toEqual({ available: false, reason: NVIDIA_SMI_NOT_FOUND, llamaVram: null });
	});

	it('says the same for a configured path that does not exist', async () => {
		const source = track(createGpuSource({ binary: '/nonexistent/nvidia-smi' }));
		await expect(source.read()).resolves.toMatchObject({ available: false, reason: NVIDIA_SMI_NOT_FOUND });
	});

	it('still reports node-llama-cpp VRAM when given (zeros on CPU), and null if it throws', async () => {
		const zeros = { total: 0, used: 0, free: 0 };
		const source = track(createGpuSource({ pathEnv: emptyPathDir(), readLlamaVram: async () => zeros }));
		await expect(source.read()).resolves.toMatchObject({ available: false, llamaVram: zeros });
		const failing = track(createGpuSource({ pathEnv: emptyPathDir(), readLlamaVram: async () => Promise.reject(new Error('no llama')) }));
		await expect(failing.read()).resolves.toMatchObject({ llamaVram: null });
	});
});

describe('findExecutable', () => {
	it('finds a program on the given PATH and nowhere else', () => {
		const fake = createFakeNvidiaSmi({ exitCode: 0 });
		expect(findExecutable('nvidia-smi', `${emptyPathDir()}:${fake.dir}`)).toBe(fake.binary);
		expect(findExecutable('nvidia-smi', emptyPathDir())).toBeNull();
		expect(findExecutable(fake.binary, '')).toBe(fake.binary);
	});
});

describe('gpu source with a fake nvidia-smi', () => {
	it('passes the query arguments, keeps the latest line per GPU, and restarts with doubling backoff', async () => {
		const fake = createFakeNvidiaSmi({ stdout: readFixture('query-lms.csv'), exitCode: 0 });
		const events: GpuSourceEvent[] = [];
		const source = track(
			createGpuSource({
				pathEnv: fake.dir,
				intervalMs: 500,
				initialBackoffMs: 20,
				maxBackoffMs: 80,
				onEvent: (e) => events.push(e)
			})
		);
		const delays = () => events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []));
		await waitFor(() => delays().length >= 5);

		expect(delays().slice(0, 5)).toEqual([20, 40, 80, 80, 80]);
		expect(fake.invocations()[0]).toBe(nvidiaSmiArgs(500).join(' '));
		expect(events.filter((e) => e.type === 'spawn').length).toBeGreaterThanOrEqual(5);
		expect(events.find((e) => e.type === 'exit')).toEqual({ type: 'exit', code: 0, signal: null });

		const report = await source.read();
		expect(gpuReportSchema.parse(report)).toEqual(report);
		if (!report.available) throw new Error(`expected GPUs, got: ${report.reason}`);
		// The last of the six captured lines wins.
		expect(report.gpus).toHaveLength(1);
		expect(report.gpus[0]).toMatchObject({ index: 0, powerDrawW: 72.11, smClockMhz: 345, temperatureC: 41 });
	});

	it('starts the backoff over after a child that lived long enough', async () => {
		const fake = createFakeNvidiaSmi({ stdout: readFixture('query-noheader.csv'), exitCode: 1 });
		const events: GpuSourceEvent[] = [];
		track(createGpuSource({ binary: fake.binary, initialBackoffMs: 15, stableAfterMs: 0, onEvent: (e) => events.push(e) }));
		await waitFor(() => events.filter((e) => e.type === 'restart-scheduled').length >= 3);
		const delays = events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []));
		expect(delays.slice(0, 3)).toEqual([15, 15, 15]);
	});

	it('reports every GPU of a multi-GPU output, ordered by index', async () => {
		const fake = createFakeNvidiaSmi({ stdout: readFixture('query-multi-gpu.csv'), exitCode: null, repeatMs: 50 });
		const source = track(createGpuSource({ binary: fake.binary }));
		await waitFor(() => fake.invocations().length > 0);
		let report = await source.read();
		for (let i = 0; i < 200 && !report.available; i++) {
			await new Promise((r) => setTimeout(r, 20));
			report = await source.read();
		}
		expect(report.available && report.gpus.map((g) => [g.index, g.temperatureC])).toEqual([
			[0, 43],
			[1, 41]
		]);
	});

	it('gives up without restarting when nvidia-smi rejects a field (exit 2)', async () => {
		const fake = createFakeNvidiaSmi({ stdout: readFixture('query-bad.txt').split('\n')[0] + '\n', exitCode: 2 });
		const events: GpuSourceEvent[] = [];
		const source = track(createGpuSource({ binary: fake.binary, initialBackoffMs: 10, onEvent: (e) => events.push(e) }));
		await waitFor(() => events.some((e) => e.type === 'gave-up'));
		await new Promise((r) => setTimeout(r, 100));
		expect(events.filter((e) => e.type === 'spawn')).toHaveLength(1);
		expect(events.some((e) => e.type === 'restart-scheduled')).toBe(false);
		expect(events).toContainEqual({ type: 'exit', code: 2, signal: null });
		const report = await source.read();
		expect(report.available).toBe(false);
		expect(!report.available && report.reason).toMatch(/"bogus\.field" is not valid/);
	});

	it('recognises the invalid-field error on stderr too', async () => {
		const fake = createFakeNvidiaSmi({ stderr: readFixture('query-bad.txt').split('\n')[0] + '\n', exitCode: 2 });
		const events: GpuSourceEvent[] = [];
		track(createGpuSource({ binary: fake.binary, initialBackoffMs: 10, onEvent: (e) => events.push(e) }));
		await waitFor(() => events.some((e) => e.type === 'gave-up'));
		expect(events.filter((e) => e.type === 'spawn')).toHaveLength(1);
	});

	it('drops samples older than staleAfterMs instead of showing them as current', async () => {
		// Prints once, then stays alive silent (repeat interval far beyond the test).
		const fake = createFakeNvidiaSmi({ stdout: readFixture('query-noheader.csv'), exitCode: null, repeatMs: 60_000 });
		const source = track(createGpuSource({ binary: fake.binary, staleAfterMs: 150 }));
		let report = await source.read();
		for (let i = 0; i < 200 && !report.available; i++) {
			await new Promise((r) => setTimeout(r, 10));
			report = await source.read();
		}
		expect(report.available).toBe(true);
		await new Promise((r) => setTimeout(r, 250));
		report = await source.read();
		expect(report).toMatchObject({ available: false, reason: 'no nvidia-smi sample in the last 150 ms' });
	});

	it('close() terminates the running child and cancels restarts', async () => {
		const fake = createFakeNvidiaSmi({ stdout: readFixture('query-noheader.csv'), exitCode: null, repeatMs: 20 });
		const events: GpuSourceEvent[] = [];
		const source = createGpuSource({ binary: fake.binary, initialBackoffMs: 10, onEvent: (e) => events.push(e) });
		await waitFor(() => fake.invocations().length === 1);
		const spawn = events.find((e) => e.type === 'spawn');
		const pid = spawn?.type === 'spawn' ? spawn.pid : undefined;
		expect(pid).toBeTypeOf('number');
		expect(isAlive(pid!)).toBe(true);

		await source.close();
		expect(isAlive(pid!)).toBe(false);
		expect(events.at(-1)).toEqual({ type: 'exit', code: null, signal: 'SIGTERM' });
		await new Promise((r) => setTimeout(r, 100));
		expect(fake.invocations()).toHaveLength(1);
		expect(events.some((e) => e.type === 'restart-scheduled')).toBe(false);
	});
});
