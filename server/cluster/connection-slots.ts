// SOCKET_MAX_CONNECTIONS_PER_USER across nodes. Each user has a sorted set in Redis: one member per open socket,
// scored with the time it expires. The node holding a socket pushes that time forward on a heartbeat, so the
// sockets of a node that died (and never said goodbye) drop out of every count within SLOT_TTL_MS, instead of
// locking their user out for ever as a plain counter would.
import type { ConnectionSlots } from '../realtime/connection-limit';
import type { Logger } from '../logger';
import type { RedisHub } from './redis';

export const SLOT_TTL_MS = 30_000;

// Atomic check-and-add: drop expired members, refuse at `max`, else add this socket. KEYS[1] the user's set;
// ARGV: now, expiry, max, socket id.
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

export function redisConnectionSlots(hub: RedisHub, log: Logger, options: { ttlMs?: number } = {}): ConnectionSlots {
	const ttlMs = options.ttlMs ?? SLOT_TTL_MS;
	const keyOf = (userId: string) => hub.key('sockets', 'user', userId);
	/** This node's sockets, by user: what the heartbeat renews. */
	const mine = new Map<string, Set<string>>();

	async function renew() {
		if (mine.size === 0) return;
		const expiry = Date.now() + ttlMs;
		const batch = hub.commands.multi();
		for (const [userId, sockets] of mine) {
			for (const socketId of sockets) batch.zAdd(keyOf(userId), { score: expiry, value: socketId }, { XX: true });
			batch.pExpireAt(keyOf(userId), expiry);
		}
		await batch.exec();
	}
	const heartbeat = setInterval(() => {
		renew().catch((err) => log.warn({ err }, 'renewing socket slots in Redis failed; retrying on the next beat'));
	}, ttlMs / 3);
	heartbeat.unref();

	return {
		async reserve(userId, socketId, max) {
			const now = Date.now();
			const taken = await hub.commands
				.eval(RESERVE, { keys: [keyOf(userId)], arguments: [String(now), String(now + ttlMs), String(max), socketId] })
				.catch((err: unknown) => {
					log.error({ err, userId }, 'counting a socket in Redis failed; the handshake is refused');
					throw err;
				});
			if (taken !== 1) return false;
			let sockets = mine.get(userId);
			if (!sockets) mine.set(userId, (sockets = new Set()));
			sockets.add(socketId);
			return true;
		},
		release(userId, socketId) {
			const sockets = mine.get(userId);
			sockets?.delete(socketId);
			if (sockets?.size === 0) mine.delete(userId);
			// If this fails the slot expires by itself within the TTL: no retry needed.
			hub.commands.zRem(keyOf(userId), socketId).catch((err) => log.warn({ err, userId }, 'releasing a socket slot failed'));
		},
		async close() {
			clearInterval(heartbeat);
			const batch = hub.commands.multi();
			for (const [userId, sockets] of mine) batch.zRem(keyOf(userId), [...sockets]);
			mine.clear();
			await batch.exec().catch(() => {}); // closing anyway: the slots expire by themselves
		}
	};
}
