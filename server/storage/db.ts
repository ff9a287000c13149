import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database as DatabaseConfig } from '../config';
import { migrationProvider } from './migrations';
import type { DB } from './schema';

export type Db = Kysely<DB>;

// PostgreSQL returns BIGINT (oid 20) as a string; our BIGINTs are epoch milliseconds, well inside 2^53.
const pgTypes = {
	getTypeParser(oid: number, format?: 'text' | 'binary') {
		if (oid === 20) return (value: string) => Number(value);
		return pg.types.getTypeParser(oid, format);
	}
};

export function openDatabase(config: DatabaseConfig): Db {
	if (config.kind === 'postgres') {
		const pool = new pg.Pool({ connectionString: config.url, max: 10, types: pgTypes as pg.CustomTypesConfig });
		// An idle client dropped by the server (restart, failover, admin command) must not crash the process: the pool
		// discards it and the next query gets a fresh connection (or a clear error if the database is really gone).
		pool.on('error', () => {});
		return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
	}
	if (config.file !== ':memory:') mkdirSync(path.dirname(config.file), { recursive: true });
	const sqlite = new SQLite(config.file);
	sqlite.pragma('journal_mode = WAL');
	// No fsync per commit (~0.8 ms each here, on the event loop: a run's row and event writes paid it): with WAL a
	// commit still survives the process dying; only a power loss may undo the last few, never corrupting the file.
	sqlite.pragma('synchronous = NORMAL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	return new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** Brings the schema up to date; fails with the name of the migration that broke. */
export async function migrateToLatest(db: Db): Promise<void> {
	const migrator = new Migrator({ db, provider: migrationProvider });
	const { error, results } = await migrator.migrateToLatest();
	const failed = results?.find((r) => r.status === 'Error');
	if (error) {
		const name = failed ? ` (${failed.migrationName})` : '';
		throw new Error(`Database migration failed${name}: ${error instanceof Error ? error.message : String(error)}`);
	}
}
