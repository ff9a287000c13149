import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { freshRedisPrefix } from '../tests/helpers/redis';
import { createRedisHub, type RedisHub } from './cluster/redis';
import { silentLogger } from './logger';
import { RateLimit } from './rate-limits';

describe('RateLimit in memory', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('refuses past its window with a message that names the variable and when to retry', async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		const limit = new RateLimit('ROOM_CREATE_RATE_PER_MINUTE', 2, 'rooms created');
		expect([(await limit.take('ann')).ok, (await limit.take('ann')).ok]).toEqual([true, true]);
		vi.setSystemTime(Date.now() + 30_000);
		expect(await limit.take('ann')).toEqual({
			ok: false,
			error: { code: 'rate_limited', message: 'Too many rooms created (ROOM_CREATE_RATE_PER_MINUTE: 2 per minute); retry in 30 s' }
		});
		expect(await limit.retryAfterSeconds('ann')).toBe(30);
		expect((await limit.take('bob')).ok).toBe(true);
		vi.setSystemTime(Date.now() + 30_000);
		expect((await limit.take('ann')).ok).toBe(true);
	});

	it('counts each process on its own (two instances are two nodes without Redis)', async () => {
		const nodeA = new RateLimit('ROOM_JOIN_RATE_PER_MINUTE', 1, 'room joins');
		const nodeB = new RateLimit('ROOM_JOIN_RATE_PER_MINUTE', 1, 'room joins');
		expect((await nodeA.take('ann')).ok).toBe(true);
		expect((await nodeB.take('ann')).ok).toBe(true);
	});
});

describe('RateLimit in Redis', () => {
	const redis = freshRedisPrefix();
	const hubs: RedisHub[] = [];
	const hub = async () => {
		const created = await createRedisHub(redis, silentLogger());
		hubs.push(created);
		return created;
	};
	afterAll(async () => {
		for (const h of hubs) await h.close();
		await redis.drop();
	});

	it('shares one count between nodes: what node A took, node B cannot take again', async () => {
		const nodeA = new RateLimit('LOGIN_RATE_PER_MINUTE', 3, 'login attempts', await hub());
		const nodeB = new RateLimit('LOGIN_RATE_PER_MINUTE', 3, 'login attempts', await hub());
		const taken = [await nodeA.take('ann'), await nodeB.take('ann'), await nodeA.take('ann')].map((r) => r.ok);
		expect(taken).toEqual([true, true, true]);
		const refused = await nodeB.take('ann');
		expect(refused).toEqual({
			ok: false,
			error: {
				code: 'rate_limited',
				message: expect.stringMatching(/^Too many login attempts \(LOGIN_RATE_PER_MINUTE: 3 per minute\); retry in (59|60) s$/)
			}
		});
		expect(await nodeA.retryAfterSeconds('ann')).toBeGreaterThanOrEqual(59);
		expect((await nodeB.take('bob')).ok).toBe(true); // per key
	});

	it('keeps the counts in Redis under the cluster prefix, one key per limit and key', async () => {
		const h = await hub();
		const limit = new RateLimit('SIGNUP_RATE_PER_MINUTE', 5, 'signups', h);
		await limit.take('10.0.0.1');
		await limit.take('10.0.0.1');
		expect(await h.commands.get(h.key('limits', 'SIGNUP_RATE_PER_MINUTE', '10.0.0.1'))).toBe('2');
		expect(await h.commands.pTTL(h.key('limits', 'SIGNUP_RATE_PER_MINUTE', '10.0.0.1'))).toBeGreaterThan(58_000);
	});
});
