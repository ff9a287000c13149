import { describe, expect, it, vi } from 'vitest';
import type { RunEventData, RunEventType } from '../../src/lib/contract/runs';
import { ActiveRunContext, TokenBatcher } from './run-context';

function context() {
	const written: { type: RunEventType; data: unknown }[] = [];
	const ctx = new ActiveRunContext(
		'run-1',
		'room-1',
		new AbortController().signal,
		<K extends RunEventType>(type: K, data: RunEventData[K]) => {
			written.push({ type, data });
		}
	);
	return { ctx, written };
}

describe('ActiveRunContext', () => {
	it('waits for tracked node work before sealing, then drops late events', async () => {
		const { ctx, written } = context();
		let finishWork!: () => void;
		const work = ctx.track(new Promise<void>((resolve) => (finishWork = resolve)));
		let sealed = false;
		const sealing = ctx.seal(5_000).then(() => (sealed = true));
		await new Promise((r) => setTimeout(r, 20));
		expect(sealed).toBe(false); // the node is still working
		ctx.emit('tokens', { modelId: 'm', text: 'last words', count: 2 });
		finishWork();
		await work;
		await sealing;
		ctx.emit('tokens', { modelId: 'm', text: 'too late', count: 1 });
		expect(written.map((w) => (w.data as { text: string }).text)).toEqual(['last words']);
		expect(ctx.dropped).toBe(1);
	});

	it('seals after the timeout when a node never stops', async () => {
		const { ctx } = context();
		ctx.track(new Promise(() => {}));
		const t = performance.now();
		await ctx.seal(30);
		expect(performance.now() - t).toBeGreaterThanOrEqual(25);
		ctx.emit('run.started', {});
		expect(ctx.dropped).toBe(1);
	});

	it('a failing node still counts as settled', async () => {
		const { ctx } = context();
		const failing = ctx.track(Promise.reject(new Error('boom')));
		failing.catch(() => {});
		await ctx.seal(5_000);
		expect(ctx.dropped).toBe(0);
	});
});

describe('TokenBatcher', () => {
	it('a frame whose timer fires after the run was sealed is dropped, not thrown', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
		try {
			const { ctx, written } = context();
			const batcher = new TokenBatcher(ctx, 'm', 16);
			vi.advanceTimersByTime(100); // a quiet spell: the next piece goes out at once
			batcher.push('first'); // goes out at once
			batcher.push(' second'); // waits for the frame timer
			expect(written).toHaveLength(1);
			await ctx.seal(0);
			expect(() => vi.advanceTimersByTime(20)).not.toThrow();
			expect(written).toHaveLength(1);
			expect(ctx.dropped).toBe(1);
		} finally {
			vi.useRealTimers();
		}
	});

	it('coalesces tokens that arrive within one frame into one event', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
		try {
			const { ctx, written } = context();
			const batcher = new TokenBatcher(ctx, 'm', 16);
			vi.advanceTimersByTime(100); // a quiet spell: the next piece goes out at once
			batcher.push('a');
			batcher.push('b');
			batcher.push('c');
			vi.advanceTimersByTime(16);
			expect(written.map((w) => w.data)).toEqual([
				{ modelId: 'm', text: 'a', count: 1 },
				{ modelId: 'm', text: 'bc', count: 2 }
			]);
		} finally {
			vi.useRealTimers();
		}
	});
});
