import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { fail, ok, type Result } from '../src/lib/contract/result';
import type { RedisHub } from './cluster/redis';
import type { Config } from './config';

const WINDOW_SECONDS = 60;

/**
 * One limit from the environment: `perMinute` actions per key in each 60 s window (rate-limiter-flexible's fixed
 * window), counted in this process's memory or, in a cluster, in Redis so every node sees the same count. A refusal
 * is `rate_limited` with a message that names the variable, so whoever runs the server knows what to raise.
 */
export class RateLimit {
	private readonly limiter: RateLimiterAbstract;
	constructor(
		/** The environment variable that sets it, e.g. SIGNUP_RATE_PER_MINUTE. */
		readonly setting: string,
		readonly perMinute: number,
		/** What is counted, for the message: "signups from this address". */
		private readonly what: string,
		/** Where counts live: this process (default) or the cluster's Redis. */
		redis?: RedisHub
	) {
		const window = { points: perMinute, duration: WINDOW_SECONDS };
		this.limiter = redis
			? new RateLimiterRedis({
					...window,
					storeClient: redis.commands,
					useRedisPackage: true,
					keyPrefix: redis.key('limits', setting),
					// While Redis is unreachable each node counts on its own: limits loosen to one count per node for the
					// outage instead of failing every login and join.
					insuranceLimiter: new RateLimiterMemory(window)
				})
			: new RateLimiterMemory(window);
	}

	/** Counts one action for `key`; `rate_limited` when the key has used up its window. */
	async take(key: string): Promise<Result<null>> {
		try {
			await this.limiter.consume(key);
			return ok(null);
		} catch (refusal) {
			if (!(refusal instanceof RateLimiterRes)) throw refusal; // the store failed (and no insurance): not a refusal
			return fail(
				'rate_limited',
				`Too many ${this.what} (${this.setting}: ${this.perMinute} per minute); retry in ${wholeSeconds(refusal.msBeforeNext)} s`
			);
		}
	}

	/** Whole seconds until `key`'s window ends (at least 1), for a Retry-After header. */
	async retryAfterSeconds(key: string): Promise<number> {
		const state = await this.limiter.get(key);
		return wholeSeconds(state?.msBeforeNext ?? 0);
	}
}

const wholeSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Every per-address and per-user action limit, built once per process: in memory in a single process, in Redis
 * (shared by every node) when the app context has a Redis hub.
 */
export function createRateLimits(config: Config['rateLimits'], redis?: RedisHub) {
	const limit = (setting: string, perMinute: number, what: string) => new RateLimit(setting, perMinute, what, redis);
	return {
		/** Per client address: each signup costs an Argon2 hash. */
		signup: limit('SIGNUP_RATE_PER_MINUTE', config.signupPerMinute, 'signups from this address'),
		/** Per (account, client address) pair: someone elsewhere cannot lock a user out. */
		login: limit('LOGIN_RATE_PER_MINUTE', config.loginPerMinute, 'login attempts for this account from this address'),
		/** Per client address, over all accounts: looser, it bounds the password hashes one address can cost. */
		loginAddress: limit('LOGIN_ADDRESS_RATE_PER_MINUTE', config.loginAddressPerMinute, 'login attempts from this address'),
		/** Per user, the rest. */
		roomCreate: limit('ROOM_CREATE_RATE_PER_MINUTE', config.roomCreatePerMinute, 'rooms created'),
		apiKeyCreate: limit('API_KEY_CREATE_RATE_PER_MINUTE', config.apiKeyCreatePerMinute, 'API keys created'),
		roomJoin: limit('ROOM_JOIN_RATE_PER_MINUTE', config.roomJoinPerMinute, 'room joins'),
		runReplay: limit('RUN_REPLAY_RATE_PER_MINUTE', config.runReplayPerMinute, 'run replays')
	};
}
export type RateLimits = ReturnType<typeof createRateLimits>;
