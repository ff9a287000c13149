import { sql } from 'kysely';
import { UNFINISHED_STATUSES, type RunEvent, type RunStatus, type RunSummary } from '../../src/lib/contract/runs';
import type { Db } from '../storage/db';
import type { RunsTable } from '../storage/schema';

export interface RunFilter {
	status?: RunStatus;
	modelId?: string;
	task?: string;
	authorId?: string;
	/** Text search in prompt and title. */
	q?: string;
	/** Cursor: runs created before this time. */
	before?: number;
	limit: number;
}

/** A finished run as a conversation turn: what the history reader reads of a room's past. */
export interface AnsweredRun {
	id: string;
	prompt: string;
	answer: string;
	title?: string;
	summary: string | null;
	createdAt: number;
}

const toSummary = (r: RunsTable): RunSummary => ({
	id: r.id,
	roomId: r.room_id,
	authorId: r.author_id,
	mode: r.mode,
	prompt: r.prompt,
	status: r.status,
	modelId: r.model_id,
	task: r.task,
	title: r.title,
	summary: r.summary,
	parentRunId: r.parent_run_id,
	forkedFromNode: r.forked_from_node,
	createdAt: r.created_at,
	startedAt: r.started_at,
	finishedAt: r.finished_at,
	metrics: r.metrics ? JSON.parse(r.metrics) : null,
	error: r.error,
	lastSeq: r.last_seq
});

/** Most events one read of a run's log returns; a replay that gets a full page asks again from its last seq. */
export const EVENTS_PAGE = 5000;

export function createRunsRepository(db: Db) {
	return {
		async insert(run: RunsTable): Promise<void> {
			await db.insertInto('runs').values(run).execute();
		},
		async update(id: string, patch: Partial<Omit<RunsTable, 'id'>>): Promise<void> {
			await db.updateTable('runs').set(patch).where('id', '=', id).execute();
		},
		async get(id: string): Promise<(RunSummary & { request: string; answer: string | null }) | undefined> {
			const row = await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
			return row ? { ...toSummary(row), request: row.request, answer: row.answer } : undefined;
		},
		async list(roomId: string, f: RunFilter): Promise<RunSummary[]> {
			let q = db.selectFrom('runs').selectAll().where('room_id', '=', roomId);
			if (f.status) q = q.where('status', '=', f.status);
			if (f.modelId) q = q.where('model_id', '=', f.modelId);
			if (f.task) q = q.where('task', '=', f.task);
			if (f.authorId) q = q.where('author_id', '=', f.authorId);
			if (f.before) q = q.where('created_at', '<', f.before);
			if (f.q) {
				// A literal substring on both dialects: SQLite's LIKE has no escape character unless ESCAPE names one
				// (PostgreSQL defaults to backslash), so name one explicitly; `!` needs no quoting in either.
				const pattern = `%${f.q.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
				const like = (column: 'prompt' | 'title') => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '!'`;
				q = q.where((eb) => eb.or([like('prompt'), like('title')]));
			}
			const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
			return rows.map(toSummary);
		},
		/** A room's latest succeeded runs, newest first, with the answers and summaries the history reader needs: one query. */
		async recentAnswered(roomId: string, limit: number): Promise<AnsweredRun[]> {
			const rows = await db
				.selectFrom('runs')
				.select(['id', 'prompt', 'answer', 'title', 'summary', 'created_at'])
				.where('room_id', '=', roomId)
				.where('status', '=', 'succeeded')
				.orderBy('created_at', 'desc')
				.orderBy('id', 'desc')
				.limit(limit)
				.execute();
			return rows.map((r) => ({
				id: r.id,
				prompt: r.prompt,
				answer: r.answer ?? '',
				title: r.title ?? undefined,
				summary: r.summary,
				createdAt: r.created_at
			}));
		},
		/** Runs that were in flight when the process stopped. */
		async listUnfinished(roomId?: string): Promise<RunSummary[]> {
			let q = db
				.selectFrom('runs')
				.selectAll()
				.where('status', 'in', [...UNFINISHED_STATUSES]);
			if (roomId) q = q.where('room_id', '=', roomId);
			const rows = await q.orderBy('created_at', 'asc').execute();
			return rows.map(toSummary);
		},
		/** How many runs are queued, running or waiting for approval, in a room and/or by an author (for run limits). */
		async countUnfinished(f: { roomId?: string; authorId?: string }): Promise<number> {
			let q = db
				.selectFrom('runs')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('status', 'in', [...UNFINISHED_STATUSES]);
			if (f.roomId) q = q.where('room_id', '=', f.roomId);
			if (f.authorId) q = q.where('author_id', '=', f.authorId);
			return Number((await q.executeTakeFirst())?.n ?? 0);
		},
		/** Appends events (already numbered) and moves each run's last_seq forward, in one transaction; safe to retry. */
		async appendEvents(events: RunEvent[]): Promise<void> {
			if (events.length === 0) return;
			await db.transaction().execute(async (trx) => {
				// Idempotent: a retried batch whose first write did land (the ack was lost) stores nothing twice.
				await trx
					.insertInto('run_events')
					.values(events.map((e) => ({ run_id: e.runId, seq: e.seq, ts: e.ts, type: e.type, data: JSON.stringify(e.data) })))
					.onConflict((oc) => oc.columns(['run_id', 'seq']).doNothing())
					.execute();
				const last = new Map<string, number>();
				for (const e of events) last.set(e.runId, Math.max(last.get(e.runId) ?? 0, e.seq));
				for (const [runId, seq] of last) {
					await trx.updateTable('runs').set({ last_seq: seq }).where('id', '=', runId).where('last_seq', '<', seq).execute();
				}
			});
		},
		async eventsAfter(runId: string, afterSeq: number, limit = EVENTS_PAGE): Promise<RunEvent[]> {
			const rows = await db
				.selectFrom('run_events')
				.selectAll()
				.where('run_id', '=', runId)
				.where('seq', '>', afterSeq)
				.orderBy('seq', 'asc')
				.limit(limit)
				.execute();
			return rows.map((r) => ({ runId: r.run_id, seq: r.seq, ts: r.ts, type: r.type, data: JSON.parse(r.data) }) as RunEvent);
		},
		async lastSeq(runId: string): Promise<number> {
			const row = await db
				.selectFrom('run_events')
				.select((eb) => eb.fn.max('seq').as('seq'))
				.where('run_id', '=', runId)
				.executeTakeFirst();
			return Number(row?.seq ?? 0);
		}
	};
}

export type RunsRepository = ReturnType<typeof createRunsRepository>;
