import { afterAll, describe, expect, it } from 'vitest';
import { freshRedisPrefix } from '../../tests/helpers/redis';
import { silentLogger } from '../logger';
import { redisConnectionSlots } from './connection-slots';
import { createRedisHub, type RedisHub } from './redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('socket slots in Redis (SOCKET_MAX_CONNECTIONS_PER_USER across nodes)', () => {
	const redis = freshRedisPrefix();
	const hubs: RedisHub[] = [];
	const node = async () => {
		const hub = await createRedisHub(redis, silentLogger());
		hubs.push(hub);
		return hub;
	};
	afterAll(async () => {
		for (const hub of hubs) await hub.close();
		await redis.drop();
	});

	it('counts one user’s sockets on every node together and gives a slot back on release', async () => {
		const a = redisConnectionSlots(await node(), silentLogger());
		const b = redisConnectionSlots(await node(), silentLogger());
		expect(await a.reserve('ann', 'sock-a1', 2)).toBe(true);
		expect(await b.reserve('ann', 'sock-b1', 2)).toBe(true);
		expect(await b.reserve('ann', 'sock-b2', 2)).toBe(false);
		expect(await a.reserve('bob', 'sock-a2', 2)).toBe(true); // per user
		a.release('ann', 'sock-a1');
		const deadline = Date.now() + 2000; // the release is a command sent without waiting
		let again = false;
		while (!again && Date.now() < deadline) again = await b.reserve('ann', 'sock-b3', 2);
		expect(again).toBe(true);
		await Promise.all([a.close(), b.close()]);
	});

	it('keeps a live node’s slots past the TTL (heartbeat) and frees a dead node’s within it', async () => {
		const ttlMs = 300;
		const deadHub = await node();
		const dead = redisConnectionSlots(deadHub, silentLogger(), { ttlMs });
		const live = redisConnectionSlots(await node(), silentLogger(), { ttlMs });
		expect(await live.reserve('cid', 'sock-live', 2)).toBe(true);
		expect(await dead.reserve('cid', 'sock-dead', 2)).toBe(true);
		expect(await live.reserve('cid', 'sock-3', 2)).toBe(false);
		await deadHub.close(); // the node dies: no release, no more heartbeats
		await sleep(ttlMs * 2.5);
		// The dead node's socket has expired; the live node's is still counted (renewed every ttl/3).
		expect(await live.reserve('cid', 'sock-4', 2)).toBe(true);
		expect(await live.reserve('cid', 'sock-5', 2)).toBe(false);
		await Promise.all([live.close(), dead.close().catch(() => {})]);
	});
});
