/**
 * Token bucket per key (e.g. "login:<ip>"): `capacity` attempts, refilled continuously at `capacity` per `periodMs`.
 * In-process by design; the scale-out issue swaps it for a Redis-backed limiter behind the same `take` method.
 */
export class TokenBucketLimiter {
	private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
	private lastPrunedAt = Number.NEGATIVE_INFINITY;

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
		// At most once a period: with more than 10,000 keys all in use, scanning on every take would cost O(keys) each.
		if (this.buckets.size > 10_000 && now - this.lastPrunedAt >= this.periodMs) this.prune(now);
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

	/** Drops a key's bucket, for keys that end (a disconnected socket's id): nothing else would remove it soon. */
	forget(key: string): void {
		this.buckets.delete(key);
	}

	/** Keys with a bucket now (for tests and diagnostics). */
	get size(): number {
		return this.buckets.size;
	}

	private prune(now: number) {
		this.lastPrunedAt = now;
		for (const [key, bucket] of this.buckets) {
			if (now - bucket.updatedAt > this.periodMs) this.buckets.delete(key);
		}
	}
}
