/**
 * Token bucket per key (e.g. "login:<ip>"): `capacity` attempts, refilled continuously at `capacity` per `periodMs`.
 * In-process by design; the scale-out issue swaps it for a Redis-backed limiter behind the same `take` method.
 */
export class TokenBucketLimiter {
	private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

	constructor(
		private readonly capacity: number,
		private readonly periodMs: number,
		private readonly now: () => number = Date.now
	) {}

	/** Takes one token; returns false (and takes nothing) when the bucket is empty. */
	take(key: string): boolean {
		const now = this.now();
		const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updatedAt: now };
		const refill = ((now - bucket.updatedAt) / this.periodMs) * this.capacity;
		bucket.tokens = Math.min(this.capacity, bucket.tokens + refill);
		bucket.updatedAt = now;
		if (this.buckets.size > 10_000) this.prune(now);
		this.buckets.set(key, bucket);
		if (bucket.tokens < 1) return false;
		bucket.tokens -= 1;
		return true;
	}

	/** Milliseconds until the next token for this key. */
	retryAfterMs(key: string): number {
		const bucket = this.buckets.get(key);
		if (!bucket || bucket.tokens >= 1) return 0;
		return Math.ceil(((1 - bucket.tokens) / this.capacity) * this.periodMs);
	}

	private prune(now: number) {
		for (const [key, bucket] of this.buckets) {
			if (now - bucket.updatedAt > this.periodMs) this.buckets.delete(key);
		}
	}
}
