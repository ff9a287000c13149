// The cluster's Redis connections, made in one place: every seam (run bus, run queue, inference queues, worker
// heartbeats, rate limits, the Socket.IO adapter, the Yjs relay) takes its clients from here, so keys share one
// prefix (REDIS_PREFIX) and shutdown closes them all.
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from '../logger';

export type RedisClient = RedisClientType;

export interface RedisHub {
	/** REDIS_PREFIX: every key and channel of this cluster starts with it. */
	readonly prefix: string;
	/** `<prefix>:<parts…>`, the one way keys and channels are named. */
	key(...parts: string[]): string;
	/** A shared client for plain commands (not for SUBSCRIBE or blocking reads). */
	readonly commands: RedisClient;
	/** A new connected client of its own (subscribers, blocking reads, libraries that want one); closed with the hub. */
	connect(name: string): Promise<RedisClient>;
	/** PING through the shared client, for /api/ready. */
	ping(): Promise<void>;
	close(): Promise<void>;
}

export async function createRedisHub(options: { url: string; prefix: string }, logger: Logger): Promise<RedisHub> {
	const clients = new Set<RedisClient>();
	const open = async (name: string): Promise<RedisClient> => {
		let everReady = false;
		const client: RedisClient = createClient({
			url: options.url,
			name: `${options.prefix}-${name}`,
			// Once connected, reconnect for ever with a capped backoff: a Redis restart must not need a restart of this
			// process. Before the first connection, give up at once so a wrong REDIS_URL fails the start-up.
			socket: { reconnectStrategy: (retries: number, cause: Error) => (everReady ? Math.min(50 * 2 ** retries, 2000) : cause) }
		});
		let reported = false;
		client.on('error', (err: Error) => {
			// The client reconnects by itself; log the first error of an outage, not one per retry.
			if (!reported) logger.warn({ err, client: name }, 'Redis connection error (reconnecting)');
			reported = true;
		});
		client.on('ready', () => {
			everReady = true;
			if (reported) logger.info({ client: name }, 'Redis connection restored');
			reported = false;
		});
		await client.connect();
		clients.add(client);
		return client;
	};

	let commands: RedisClient;
	try {
		commands = await open('commands');
	} catch (err) {
		throw new Error(`Cannot reach Redis at REDIS_URL: ${err instanceof Error ? err.message : String(err)}`);
	}
	return {
		prefix: options.prefix,
		key: (...parts) => [options.prefix, ...parts].join(':'),
		commands,
		connect: open,
		async ping() {
			await commands.ping();
		},
		async close() {
			await Promise.allSettled(
				[...clients].map(async (client) => {
					clients.delete(client);
					if (client.isOpen) await client.close();
				})
			);
		}
	};
}

/** A message read from Redis, parsed; undefined when it is not JSON (the caller validates the shape). */
export function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
