// The web tier's cross-node seams, chosen once per process: in a single process (no Redis) the in-memory ones
// (Socket.IO's own adapter, counts in memory, no Yjs relay); in a cluster the Redis ones.
import type { Logger } from '../logger';
import { memoryConnectionSlots, type ConnectionSlots } from '../realtime/connection-limit';
import { localYjsRelay, type YjsRelay } from '../yjs/relay';
import { redisConnectionSlots } from './connection-slots';
import type { RedisHub } from './redis';
import { createSocketAdapter, type SocketAdapterFactory } from './socket-adapter';
import { redisYjsRelay } from './yjs-relay';

export interface WebTier {
	/** Socket.IO's adapter across nodes; undefined: the default in-memory one. */
	socketAdapter?: SocketAdapterFactory;
	/** SOCKET_MAX_CONNECTIONS_PER_USER's counts. */
	connectionSlots: ConnectionSlots;
	/** The other nodes' copies of the Yjs documents. */
	yjsRelay: YjsRelay;
	close(): Promise<void>;
}

export async function createWebTier(redis: RedisHub | undefined, options: { sockets: boolean; log: Logger }): Promise<WebTier> {
	if (!redis) return { connectionSlots: memoryConnectionSlots(), yjsRelay: localYjsRelay(), close: async () => {} };
	const connectionSlots = redisConnectionSlots(redis, options.log);
	const yjsRelay = await redisYjsRelay(redis, options.log);
	// A worker never holds sockets: no adapter (and no stream reader) for it.
	const socketAdapter = options.sockets ? await createSocketAdapter(redis) : undefined;
	return {
		socketAdapter,
		connectionSlots,
		yjsRelay,
		async close() {
			await connectionSlots.close();
			await yjsRelay.close();
		}
	};
}
