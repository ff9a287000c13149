import pg from 'pg';

// One key for every schema set-up Switchyard runs on PostgreSQL (its own migrations, LangGraph's checkpoint tables).
const SETUP_LOCK_KEY = 0x5357_5954; // 'SWYT'

/**
 * Runs `setup` while holding a PostgreSQL session advisory lock, so the nodes of a cluster starting together on one
 * database take turns: LangGraph's checkpointer set-up reads its version and then migrates without a lock of its own,
 * and two at once collide on a duplicate key. The lock lives on its own connection and ends with it, even on a crash.
 */
export async function withPgSetupLock<T>(url: string, setup: () => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: url });
	client.on('error', () => {}); // a dropped lock connection surfaces as the set-up's own query error
	await client.connect();
	try {
		await client.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK_KEY]);
		return await setup();
	} finally {
		await client.end().catch(() => {});
	}
}
