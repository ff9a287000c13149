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
});
