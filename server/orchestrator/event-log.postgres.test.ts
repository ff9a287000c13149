// The EventLog against PostgreSQL whose connections really break: an admin connection terminates the pool's backends
// and refuses new ones (ALLOW_CONNECTIONS false) for a while, then lets them in again.
import pg from 'pg';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { freshDatabase, PG_ADMIN_URL, type TestDatabase } from '../../tests/helpers/databases';
import { MemoryRunBus } from './bus';
import { EventLog } from './event-log';
import { createRunsRepository, type RunsRepository } from './runs.repository';
import { memoryLogger, runRow, seedRoom } from '../../tests/helpers/run-storage';

let t: TestDatabase;
let repo: RunsRepository;
let roomId: string;
let name: string;
const RUN = 'runaaaaaaaaa';

async function admin(sql: string) {
	const c = new pg.Client({ connectionString: PG_ADMIN_URL });
	await c.connect();
	try {
		return await c.query(sql);
	} finally {
		await c.end();
	}
}
const cutOff = async () => {
	await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
	const killed = await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
	return killed.rowCount ?? 0;
};
const restore = () => admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);

beforeEach(async () => {
	t = await freshDatabase('postgres');
	name = new URL((t.config as { url: string }).url).pathname.slice(1);
	repo = createRunsRepository(t.db);
	const seeded = await seedRoom(t.db);
	roomId = seeded.roomId;
	await repo.insert(runRow(RUN, roomId, seeded.user.id));
});
afterEach(async () => {
	await restore();
	await t.drop();
});

it('keeps the events written while the connection is gone and stores them, gap-free and once, when it is back', async () => {
	const { log, lines } = memoryLogger();
	const events = new EventLog(repo, new MemoryRunBus(), log, { retryBaseMs: 20, retryMaxMs: 100 });
	events.open(RUN, roomId);
	const emit = (n: number) => {
		for (let i = 0; i < n; i++) events.emit(RUN, 'tokens', { modelId: 'sy-tiny', text: `w${i} `, count: 1 });
	};
	emit(5);
	await events.flush();
	expect((await repo.eventsAfter(RUN, 0)).length).toBe(5); // connected: the pool holds a backend to terminate

	expect(await cutOff()).toBeGreaterThan(0);
	emit(10);
	events.emit(RUN, 'run.finished', { status: 'succeeded', modelId: 'sy-tiny', metrics: null });
	await events.close(RUN); // storage is gone: close returns, the run is kept
	expect(lines.some((l) => l.msg === 'could not store run events: keeping them and retrying')).toBe(true);
	expect((await events.eventsAfter(RUN, 0)).map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
	await new Promise((r) => setTimeout(r, 300)); // several retries fail meanwhile
	expect(lines.filter((l) => l.msg === 'storing run events failed again: retrying').length).toBeGreaterThan(1);
	expect(events.lastSeq(RUN)).toBe(16);

	await restore();
	await vi.waitFor(() => expect(events.lastSeq(RUN)).toBeUndefined(), { timeout: 5000, interval: 20 }); // stored, then forgotten
	const stored = await repo.eventsAfter(RUN, 0);
	expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
	expect(stored.at(-1)!.type).toBe('run.finished');
	expect((await repo.get(RUN))!.lastSeq).toBe(16);
	expect(lines.some((l) => l.msg === 'storing run events again')).toBe(true);
});
