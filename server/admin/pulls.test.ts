import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PullState } from '../../src/lib/contract/admin';
import { downloadOrigin, probeEndpoint, PullTracker } from './pulls';

function updates(tracker: PullTracker) {
	const seen: PullState[] = [];
	tracker.on('update', (s) => seen.push(s));
	const settled = (modelId: string) =>
		new Promise<PullState>((resolve) => {
			const done = (s: PullState) => {
				if (s.modelId !== modelId || s.status === 'running') return;
				tracker.off('update', done);
				resolve(s);
			};
			tracker.on('update', done);
		});
	return { seen, settled };
}

async function freePort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

describe('PullTracker', () => {
	it('reports start, throttled progress and the end; refuses a second pull of the same model meanwhile', async () => {
		let now = 0;
		const tracker = new PullTracker({ progressIntervalMs: 100, now: () => now });
		const { seen, settled } = updates(tracker);
		let finish!: () => void;
		const started = tracker.start('m', ({ progress }) => {
			for (const downloadedBytes of [10, 20, 30]) {
				now += 60;
				progress({ totalBytes: 100, downloadedBytes, bytesPerSecond: 5 });
			}
			return new Promise<void>((resolve) => (finish = resolve));
		});
		expect(started).toMatchObject({ ok: true, data: { modelId: 'm', status: 'running' } });
		expect(tracker.start('m', async () => {})).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(tracker.isRunning('m')).toBe(true);
		finish();
		const end = await settled('m');
		expect(end).toMatchObject({ status: 'done', downloadedBytes: 100, totalBytes: 100, error: null, finishedAt: 180 });
		// start, one progress at 120 ms (60 ms was too soon after the start), then done.
		expect(seen.map((s) => [s.status, s.downloadedBytes])).toEqual([
			['running', 0],
			['running', 20],
			['done', 100]
		]);
		expect(tracker.list()).toEqual([end]);
	});

	it('fails a pull that throws, and one that makes no progress for too long (aborting its signal)', async () => {
		const tracker = new PullTracker({ stallMs: 50 });
		const { settled } = updates(tracker);
		tracker.start('bad', async () => {
			throw new Error('Downloaded file failed its checks');
		});
		expect(await settled('bad')).toMatchObject({ status: 'failed', error: 'Downloaded file failed its checks' });

		let signal!: AbortSignal;
		tracker.start('slow', (t) => {
			signal = t.signal;
			return new Promise(() => {});
		});
		expect(await settled('slow')).toMatchObject({ status: 'failed', error: expect.stringMatching(/No progress for/) });
		expect(signal.aborted).toBe(true);
		expect(tracker.start('slow', async () => {})).toMatchObject({ ok: true }); // a failed pull can be retried
	});

	it('aborts running pulls on close', async () => {
		const tracker = new PullTracker();
		const { settled } = updates(tracker);
		tracker.start('m', (t) => new Promise((_, reject) => t.signal.addEventListener('abort', () => reject(t.signal.reason))));
		tracker.close();
		expect(await settled('m')).toMatchObject({ status: 'failed', error: 'The server is shutting down' });
	});
});

describe('download endpoints', () => {
	it('resolves hf: sources like node-llama-cpp (MODEL_ENDPOINT, HF_ENDPOINT, then huggingface.co)', () => {
		expect(downloadOrigin(undefined)).toBeNull();
		expect(downloadOrigin('https://example.com/a.gguf', {})?.host).toBe('example.com');
		expect(downloadOrigin('hf:a/b/c.gguf', {})?.host).toBe('huggingface.co');
		expect(downloadOrigin('hf:a/b/c.gguf', { HF_ENDPOINT: 'http://127.0.0.1:9/' })?.host).toBe('127.0.0.1:9');
		expect(downloadOrigin('hf:a/b/c.gguf', { MODEL_ENDPOINT: 'http://mirror:8080', HF_ENDPOINT: 'http://127.0.0.1:9/' })?.host).toBe(
			'mirror:8080'
		);
		expect(downloadOrigin('hf:a/b/c.gguf', { HF_ENDPOINT: 'not a url' })?.host).toBe('huggingface.co');
	});

	it('probes a listening server and fails fast on a closed port', async () => {
		const server = http.createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		await expect(probeEndpoint(new URL(`http://127.0.0.1:${port}/x`))).resolves.toBeUndefined();
		await new Promise((resolve) => server.close(resolve));
		const closed = await freePort();
		const started = Date.now();
		await expect(probeEndpoint(new URL(`http://127.0.0.1:${closed}/x`))).rejects.toThrow(`Cannot reach 127.0.0.1:${closed} (ECONNREFUSED)`);
		expect(Date.now() - started).toBeLessThan(2000);
	});
});
