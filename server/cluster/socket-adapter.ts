// Socket.IO across web nodes: the Redis Streams adapter carries every `io.to(...)` broadcast, fetchSockets(),
// socketsJoin/Leave, disconnectSockets and serverSideEmit to the other nodes, and keeps connection-state-recovery
// sessions in Redis so a client that reconnects to another node still gets the packets it missed.
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { RedisHub } from './redis';

/** Socket.IO's `adapter` option: a factory called once per namespace. */
export type SocketAdapterFactory = ReturnType<typeof createAdapter>;

/**
 * The adapter for this node, on a client of its own (the adapter duplicates it for its blocking XREAD and its
 * pub/sub). Every node of a cluster must use the same stream, so all names derive from REDIS_PREFIX.
 */
export async function createSocketAdapter(hub: RedisHub): Promise<SocketAdapterFactory> {
	const client = await hub.connect('socket.io');
	return createAdapter(client, {
		streamName: hub.key('socket.io', 'stream'),
		channelPrefix: hub.key('socket.io', 'channel'),
		sessionKeyPrefix: `${hub.key('socket.io', 'session')}:`,
		// XREAD blocks this long at most: also how long a closed node's reader lingers before it disconnects.
		blockTimeInMs: 2000
	});
}
