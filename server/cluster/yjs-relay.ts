// The Yjs relay between nodes on Redis pub/sub: one channel per room (`<prefix>:yjs:<roomId>`), subscribed by the
// nodes that have the room's document loaded. Pub/sub, not a stream: a document update that a node misses is not
// lost for good — Yjs repairs it from any copy by state vector, which is what the query every node publishes for
// its loaded rooms after its subscriber reconnects does.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import { decodeRelayMessage, encodeRelayMessage, type RelayMessage, type YjsRelay } from '../yjs/relay';
import type { RedisClient, RedisHub } from './redis';

type Listener = (message: RelayMessage, from: string) => void;

export async function redisYjsRelay(hub: RedisHub, log: Logger): Promise<YjsRelay> {
	const nodeId = `${hub.prefix}-${randomBytes(6).toString('hex')}`;
	const subscriber: RedisClient = await hub.connect('yjs-relay');
	const listeners = new Map<string, Listener>();
	const reconnected = new Set<() => void>();
	const channelOf = (roomId: string) => hub.key('yjs', roomId);

	let lostConnection = false;
	subscriber.on('error', () => (lostConnection = true));
	subscriber.on('ready', () => {
		if (!lostConnection) return;
		lostConnection = false;
		// node-redis subscribes again by itself; whatever was published meanwhile is fetched by a query per room.
		for (const callback of reconnected) callback();
		log.info({ rooms: listeners.size }, 'Yjs relay reconnected; asking the other nodes for missed updates');
	});

	return {
		nodeId,
		async subscribe(roomId, listener) {
			listeners.set(roomId, listener);
			await subscriber.subscribe(
				channelOf(roomId),
				(bytes: Buffer) => {
					let decoded: ReturnType<typeof decodeRelayMessage>;
					try {
						decoded = decodeRelayMessage(bytes);
					} catch (err) {
						log.warn({ err, roomId }, 'ignoring a malformed Yjs relay message');
						return;
					}
					if (decoded.from === nodeId) return; // our own publication comes back to us
					listeners.get(roomId)?.(decoded.message, decoded.from);
				},
				true // buffers: the payload is binary
			);
		},
		async othersListening(roomId) {
			// This node is subscribed itself: more than one subscriber means another node holds the document.
			const counts = await hub.commands.pubSubNumSub(channelOf(roomId));
			return (counts[channelOf(roomId)] ?? 0) > 1;
		},
		onReconnected(callback) {
			reconnected.add(callback);
		},
		async unsubscribe(roomId) {
			listeners.delete(roomId);
			await subscriber.unsubscribe(channelOf(roomId));
		},
		publish(roomId, message) {
			hub.commands
				.publish(channelOf(roomId), Buffer.from(encodeRelayMessage(nodeId, message)))
				.catch((err) => log.warn({ err, roomId, kind: message.kind }, 'publishing a Yjs relay message failed'));
		},
		async close() {
			listeners.clear();
			reconnected.clear();
			// The hub closes the client itself.
		}
	};
}
