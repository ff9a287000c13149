import { describe, expect, test } from 'vitest';
import type { PullState } from '../contract/admin';
import { pullProgress } from './model-pulls.svelte';

const state = (over: Partial<PullState>): PullState => ({
	modelId: 'm',
	status: 'running',
	downloadedBytes: 0,
	totalBytes: 0,
	bytesPerSecond: 0,
	startedAt: 1_000,
	finishedAt: null,
	error: null,
	...over
});

describe('pullProgress', () => {
	test('running: bytes of the total, speed and time left', () => {
		const p = pullProgress(state({ downloadedBytes: 512 * 1024, totalBytes: 1024 * 1024, bytesPerSecond: 256 * 1024 }));
		expect(p.fraction).toBe(0.5);
		expect(p.text).toBe('512 KiB of 1.0 MiB · 256 KiB/s · 2.0 s left');
		expect(pullProgress(state({ downloadedBytes: 10 })).fraction).toBeNull();
	});

	test('done and failed', () => {
		expect(pullProgress(state({ status: 'done', totalBytes: 1024 * 1024, finishedAt: 4_200 })).text).toBe('1.0 MiB in 3.2 s');
		expect(pullProgress(state({ status: 'failed', error: 'Cannot reach 127.0.0.1:9' })).text).toBe('failed: Cannot reach 127.0.0.1:9');
	});
});
