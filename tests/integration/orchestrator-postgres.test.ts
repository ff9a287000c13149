// The orchestrator with DATABASE_URL on PostgreSQL: app tables, run events and LangGraph checkpoints (PostgresSaver)
// all in one fresh database, real node-llama-cpp with the generated models.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunEvent, RunRequest } from '../../src/lib/contract/runs';
import { testApp } from '../helpers/app';
import { freshDatabase, type TestDatabase } from '../helpers/databases';

let database: TestDatabase;
let app: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
	database = await freshDatabase('postgres');
	app = await testApp({ DATABASE_URL: (database.config as { url: string }).url });
}, 120_000);
afterAll(async () => {
	await app?.ctx.close();
	await database?.drop();
});

const request = (r: Partial<RunRequest> & { prompt: string }): RunRequest => ({
	mode: 'orchestrated',
	sampling: { seed: 1, maxTokens: 32 },
	approvalGate: false,
	...r
});
const seqs = (events: RunEvent[]) => events.map((e) => e.seq);
const oneToN = (events: RunEvent[]) => events.map((_, i) => i + 1);

async function checkpoints(threadId: string): Promise<number> {
	const { rows } = await sql<{ n: number }>`select count(*)::int as n from checkpoints where thread_id = ${threadId}`.execute(database.db);
	return rows[0].n;
}

it('uses PostgreSQL for everything', () => {
	expect(app.ctx.config.database.kind).toBe('postgres');
});

it('runs an orchestrated run end to end: succeeded, events gap-free in storage, checkpoints in PostgreSQL', async () => {
	const run = await app.ctx.orchestrator.start({
		roomId: app.room.id,
		authorId: app.user.id,
		request: request({ prompt: 'How do rooms and runs work in Switchyard?' })
	});
	const done = await app.ctx.orchestrator.waitForRun(run.id);
	expect(done!.status).toBe('succeeded');
	expect(done!.modelId).toMatch(/^sy-/);

	const stored = await app.ctx.runs.eventsAfter(run.id, 0);
	expect(seqs(stored)).toEqual(oneToN(stored));
	expect(stored[0].type).toBe('run.queued');
	expect(stored.at(-1)!.type).toBe('run.finished');
	expect(stored.some((e) => e.type === 'tokens')).toBe(true);
	expect(stored.filter((e) => e.type === 'node.finished').map((e) => (e.data as { node: string }).node)).toContain('summarizer');
	expect(done!.lastSeq).toBe(stored.length);
	expect(await checkpoints(run.id)).toBeGreaterThan(0);
});

it('pauses at the approval gate and resumes from its PostgreSQL checkpoint', async () => {
	const run = await app.ctx.orchestrator.start({
		roomId: app.room.id,
		authorId: app.user.id,
		request: request({ prompt: 'Tell me about rooms', approvalGate: true })
	});
	expect((await app.ctx.orchestrator.waitForRun(run.id))!.status).toBe('waiting_approval');
	const before = await checkpoints(run.id);
	expect(before).toBeGreaterThan(0);

	const resumed = await app.ctx.orchestrator.resume(run.id, app.user.id, {
		action: 'override',
		modelId: 'sy-tiny',
		sampling: { maxTokens: 8 }
	});
	expect(resumed.ok).toBe(true);
	const done = await app.ctx.orchestrator.waitForRun(run.id);
	expect(done).toMatchObject({ status: 'succeeded', modelId: 'sy-tiny' });
	const stored = await app.ctx.runs.eventsAfter(run.id, 0);
	expect(seqs(stored)).toEqual(oneToN(stored)); // numbering continued after the pause, with no gap
	const types = stored.map((e) => e.type);
	expect(types.indexOf('run.interrupted')).toBeLessThan(types.indexOf('run.resumed'));
	expect(await checkpoints(run.id)).toBeGreaterThan(before);
});
