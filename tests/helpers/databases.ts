import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../server/config';
import { migrateToLatest, openDatabase, type Db } from '../../server/storage/db';

/** The PostgreSQL that CI and these machines run; override with PG_TEST_URL. */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
	kind: Database['kind'];
	config: Database;
	db: Db;
	drop(): Promise<void>;
}

/** A fresh, migrated, empty database of the given kind; `drop()` removes it. */
export async function freshDatabase(kind: Database['kind']): Promise<TestDatabase> {
	if (kind === 'sqlite') {
		const config: Database = { kind: 'sqlite', file: ':memory:' };
		const db = openDatabase(config);
		await migrateToLatest(db);
		return { kind, config, db, drop: () => db.destroy() };
	}
	const name = `sy_test_${randomBytes(6).toString('hex')}`;
	const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
	await admin.connect();
	await admin.query(`CREATE DATABASE ${name}`);
	await admin.end();
	const url = new URL(PG_ADMIN_URL);
	url.pathname = `/${name}`;
	const config: Database = { kind: 'postgres', url: url.toString() };
	const db = openDatabase(config);
	await migrateToLatest(db);
	return {
		kind,
		config,
		db,
		async drop() {
			await db.destroy();
			const c = new pg.Client({ connectionString: PG_ADMIN_URL });
			await c.connect();
			await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
			await c.end();
		}
	};
}

/** Both dialects every repository test runs against. */
export const DIALECTS: Database['kind'][] = ['sqlite', 'postgres'];
