import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, PG_ADMIN_URL, type TestDatabase } from '../../tests/helpers/databases';
import { createCheckpointer, type Checkpointer } from './checkpointer';

// A database restart drops the checkpointer's idle connections; the pool's 'error' event must not end the process.
let database: TestDatabase;
let checkpointer: Checkpointer;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
	database = await freshDatabase('postgres');
	process.on('uncaughtException', onUncaught);
});
afterAll(async () => {
	process.off('uncaughtException', onUncaught);
	await checkpointer?.close();
	await database?.drop();
});

describe('the PostgreSQL checkpointer', () => {
	it('survives its idle connections being terminated and works again afterwards', async () => {
		if (database.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
		checkpointer = await createCheckpointer(database.config);
		const config = { configurable: { thread_id: 'thread-1', checkpoint_ns: '' } };
		expect(await checkpointer.saver.getTuple(config)).toBeUndefined(); // leaves an idle client in the pool
		const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
		await admin.connect();
		const name = new URL(database.config.url).pathname.slice(1);
		const { rowCount } = await admin.query(
			'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
			[name]
		);
		await admin.end();
		expect(rowCount).toBeGreaterThan(0);
		await new Promise((r) => setTimeout(r, 300)); // the idle client notices and the pool emits 'error'
		expect(uncaught).toEqual([]);
		expect(await checkpointer.saver.getTuple(config)).toBeUndefined(); // a fresh connection
	});
});

// Web nodes of a cluster start together on one database: LangGraph's setup() reads its migration version and then
// migrates without a lock, so two of them at once used to collide (a duplicate key in checkpoint_migrations) and
// one node failed to start.
describe('several checkpointers setting up one fresh database at once', () => {
	it('all start, and the schema is migrated once', async () => {
		const fresh = await freshDatabase('postgres');
		if (fresh.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
		const config = fresh.config;
		const started = await Promise.allSettled(Array.from({ length: 4 }, () => createCheckpointer(config)));
		try {
			expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
			const client = new pg.Client({ connectionString: config.url });
			await client.connect();
			const { rows } = await client.query('SELECT v, count(*)::int AS n FROM checkpoint_migrations GROUP BY v HAVING count(*) > 1');
			await client.end();
			expect(rows).toEqual([]);
		} finally {
			for (const s of started) if (s.status === 'fulfilled') await s.value.close();
			await fresh.drop();
		}
	});
});
