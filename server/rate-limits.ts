import { fail, ok, type Result } from '../src/lib/contract/result';
import { TokenBucketLimiter } from './auth/rate-limit';
import type { Config } from './config';

const MINUTE = 60_000;

/**
 * One limit from the environment: a token bucket per key (`perMinute` tokens, refilled at that rate). A refusal is
 * `rate_limited` with a message that names the variable, so whoever runs the server knows what to raise.
 */
export class RateLimit {
	private readonly buckets: TokenBucketLimiter;

	constructor(
		/** The environment variable that sets it, e.g. SIGNUP_RATE_PER_MINUTE. */
		readonly setting: string,
		readonly perMinute: number,
		/** What is counted, for the message: "signups from this address". */
		private readonly what: string,
		now?: () => number
	) {
		this.buckets = new TokenBucketLimiter(perMinute, MINUTE, now);
	}

	/** Takes one token for `key`; `rate_limited` (taking nothing) when its bucket is empty. */
	take(key: string): Result<null> {
		if (this.buckets.take(key)) return ok(null);
		return fail(
			'rate_limited',
			`Too many ${this.what} (${this.setting}: ${this.perMinute} per minute); retry in ${this.retryAfterSeconds(key)} s`
		);
	}

	/** Whole seconds until `key` may try again (at least 1 while refused), for a Retry-After header. */
	retryAfterSeconds(key: string): number {
		return Math.max(1, Math.ceil(this.buckets.retryAfterMs(key) / 1000));
	}
}

/** Every per-address and per-user action limit of one process (in memory; a Redis-backed bucket can replace it). */
export function createRateLimits(config: Config['rateLimits'], now?: () => number) {
	return {
		/** Per client address: each signup costs an Argon2 hash. */
		signup: new RateLimit('SIGNUP_RATE_PER_MINUTE', config.signupPerMinute, 'signups from this address', now),
		/** Per (account, client address) pair: someone elsewhere cannot lock a user out. */
		login: new RateLimit('LOGIN_RATE_PER_MINUTE', config.loginPerMinute, 'login attempts for this account from this address', now),
		/** Per client address, over all accounts: looser, it bounds the password hashes one address can cost. */
		loginAddress: new RateLimit('LOGIN_ADDRESS_RATE_PER_MINUTE', config.loginAddressPerMinute, 'login attempts from this address', now),
		/** Per user, the rest. */
		roomCreate: new RateLimit('ROOM_CREATE_RATE_PER_MINUTE', config.roomCreatePerMinute, 'rooms created', now),
		apiKeyCreate: new RateLimit('API_KEY_CREATE_RATE_PER_MINUTE', config.apiKeyCreatePerMinute, 'API keys created', now),
		roomJoin: new RateLimit('ROOM_JOIN_RATE_PER_MINUTE', config.roomJoinPerMinute, 'room joins', now),
		runReplay: new RateLimit('RUN_REPLAY_RATE_PER_MINUTE', config.runReplayPerMinute, 'run replays', now)
	};
}

export type RateLimits = ReturnType<typeof createRateLimits>;
