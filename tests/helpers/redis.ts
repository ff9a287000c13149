import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

/** The Redis that CI and these machines run, on a database index of its own; override with REDIS_TEST_URL. */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379/7';

/** A key prefix no other test run uses (tests run in parallel on one Redis); `drop()` deletes its keys. */
export function freshRedisPrefix() {
	const prefix = `syt${randomBytes(5).toString('hex')}`;
	return {
		url: REDIS_TEST_URL,
		prefix,
		async drop() {
			const client = createClient({ url: REDIS_TEST_URL });
			await client.connect();
			try {
				for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
					if (keys.length > 0) await client.del(keys);
				}
				// BullMQ names its keys `<prefix>:<queue>:…` under the prefix it is given, so they are covered too.
			} finally {
				await client.close();
			}
		}
	};
}
