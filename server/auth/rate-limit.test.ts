import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from './rate-limit';

describe('TokenBucketLimiter', () => {
	it('allows `capacity` takes, then refuses until tokens refill', () => {
		let now = 0;
		const limiter = new TokenBucketLimiter(3, 60_000, () => now);
		expect([limiter.take('k'), limiter.take('k'), limiter.take('k'), limiter.take('k')]).toEqual([true, true, true, false]);
		expect(limiter.retryAfterMs('k')).toBe(20_000);
		now += 20_000;
		expect(limiter.take('k')).toBe(true);
		expect(limiter.take('k')).toBe(false);
	});

	it('keeps keys apart', () => {
		const limiter = new TokenBucketLimiter(1, 60_000, () => 0);
		expect(limiter.take('a')).toBe(true);
		expect(limiter.take('b')).toBe(true);
		expect(limiter.take('a')).toBe(false);
	});

	it('forgets a key on request, so per-socket buckets leave with their socket', () => {
		const limiter = new TokenBucketLimiter(1, 1000, () => 0);
		limiter.take('socket-a');
		limiter.take('socket-b');
		limiter.forget('socket-a');
		expect(limiter.size).toBe(1);
		expect(limiter.take('socket-a')).toBe(true); // a fresh bucket
	});

	it('prunes idle keys past 10,000 at most once a period, not on every take', () => {
		let now = 1400;
		const limiter = new TokenBucketLimiter(5, 1000, () => now);
		for (let i = 0; i <= 10_000; i++) limiter.take(`a-${i}`);
		now = 1500;
		limiter.take('trigger'); // over 10,000: prunes, but nothing is idle yet
		expect(limiter.size).toBe(10_002);
		now = 2450;
		limiter.take('probe'); // the a-* keys are idle now, but the last scan was less than a period ago
		expect(limiter.size).toBe(10_003);
		now = 2500;
		limiter.take('late'); // a period after the last scan: the idle keys go
		expect(limiter.size).toBe(3);
	});
});
