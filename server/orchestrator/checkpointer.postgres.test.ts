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
