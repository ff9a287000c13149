import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import pg from 'pg';
import type { Database } from '../config';
import { withPgSetupLock } from '../storage/pg-setup-lock';
import { WriteBehindSqliteSaver } from './write-behind-saver';

export interface Checkpointer {
	saver: BaseCheckpointSaver;
	close(): Promise<void>;
}

/**
 * LangGraph checkpoints live beside the app's data: a `checkpoints.db` next to the SQLite file (in memory for an
 * in-memory database), or the same PostgreSQL database (LangGraph's own tables) when DATABASE_URL is postgres.
 * SQLite's saves are written behind the run (WriteBehindSqliteSaver), off the path from a run's start to its answer.
 */
export async function createCheckpointer(database: Database): Promise<Checkpointer> {
	if (database.kind === 'postgres') {
		const pool = new pg.Pool({ connectionString: database.url });
		// An idle connection the server drops (a restart, failover, an admin's pg_terminate_backend) emits 'error' on
		// the pool; without a listener that event would take the whole process down. The pool replaces the client.
		pool.on('error', () => {});
		const saver = new PostgresSaver(pool);
		await withPgSetupLock(database.url, () => saver.setup());
		return { saver, close: () => saver.end() };
	}
	const file = database.file === ':memory:' ? ':memory:' : path.join(path.dirname(database.file), 'checkpoints.db');
	if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
	const saver = WriteBehindSqliteSaver.open(file);
	return { saver, close: () => saver.close() };
}
