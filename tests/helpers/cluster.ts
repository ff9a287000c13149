// Several web nodes in one test process: each its own app context, HTTP server and Socket.IO, all on one fresh
// PostgreSQL database and one Redis prefix — the layout of a cluster, on loopback.
import { freshDatabase, type TestDatabase } from './databases';
import { freshRedisPrefix } from './redis';
import { startTestServer, type TestServer } from './test-server';
import { waitFor } from './yjs-editors';

export interface TestCluster {
	nodes: TestServer[];
	database: TestDatabase;
	close(): Promise<void>;
}

export async function startCluster(
	count: number,
	env: Record<string, string> = {},
	options: Parameters<typeof startTestServer>[1] = {}
): Promise<TestCluster> {
	const database = await freshDatabase('postgres');
	const redis = freshRedisPrefix();
	const url = database.config.kind === 'postgres' ? database.config.url : '';
	const nodes: TestServer[] = [];
	const close = async () => {
		for (const node of nodes) await node.close();
		await redis.drop();
		await database.drop();
	};
	try {
		// One after another: each start migrates the shared database (a no-op after the first).
		for (let i = 0; i < count; i++) {
			nodes.push(await startTestServer({ DATABASE_URL: url, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, ...env }, options));
		}
		// A node hears the others once its stream reader runs; until then a broadcast from another node passes it by.
		const counts = new Map<TestServer, number>();
		await waitFor(
			() => {
				for (const node of nodes) {
					void node.ctx
						.realtime!.io.of('/')
						.adapter.serverCount()
						.then((n) => counts.set(node, n));
				}
				return nodes.every((node) => counts.get(node) === count);
			},
			`${count} nodes to see each other`,
			15_000
		);
	} catch (err) {
		await close();
		throw err;
	}
	return { nodes, database, close };
}
