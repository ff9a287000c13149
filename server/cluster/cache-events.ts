// The admin console's `cache:*` events across a cluster: each worker publishes its cache's loads and evictions,
// tagged with its id, on one channel; every web node relays them to its own admin sockets.
import type { ModelManager } from '../models/manager';
import { listen } from '../listen';
import { safeJson, type RedisHub } from './redis';

export const CACHE_EVENT_NAMES = ['loading', 'loaded', 'evicted', 'unloaded', 'failed'] as const;
export type CacheEventName = (typeof CACHE_EVENT_NAMES)[number];
export type CacheEventListener = (name: CacheEventName, payload: Record<string, unknown> & { workerId: string; at: number }) => void;

/** On a worker: publishes its cache events; returns the unsubscribe. */
export function publishCacheEvents(redis: RedisHub, manager: ModelManager, workerId: string): () => void {
	const channel = redis.key('cache-events');
	const send = (name: CacheEventName) => (e: object) =>
		void redis.commands.publish(channel, JSON.stringify({ name, payload: { ...e, at: Date.now(), workerId } })).catch(() => {});
	return listen(manager, {
		loading: send('loading'),
		loaded: send('loaded'),
		evicted: send('evicted'),
		unloaded: send('unloaded'),
		failed: send('failed')
	});
}

/** On a web node: every worker's cache events. */
export async function subscribeCacheEvents(redis: RedisHub, listener: CacheEventListener): Promise<void> {
	const subscriber = await redis.connect('cache-events');
	await subscriber.subscribe(redis.key('cache-events'), (message) => {
		const event = safeJson(message) as { name: CacheEventName; payload?: Parameters<CacheEventListener>[1] } | undefined;
		if (event && CACHE_EVENT_NAMES.includes(event.name) && typeof event.payload?.workerId === 'string') listener(event.name, event.payload);
	});
}
