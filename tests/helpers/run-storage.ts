// Fixtures for the run storage tests (runs.repository, event-log, activity): real rows, a real logger.
import pino from 'pino';
import type { RunEvent } from '../../src/lib/contract/runs';
import { createUsersRepository } from '../../server/auth/users.repository';
import { createRoomsRepository } from '../../server/rooms/rooms.repository';
import type { Db } from '../../server/storage/db';
import type { RunsTable } from '../../server/storage/schema';
import { createRunsRepository, type RunsRepository } from '../../server/orchestrator/runs.repository';

/** A user and a room they own (run rows need both: foreign keys). */
export async function seedRoom(db: Db, suffix = 'a') {
	const user = { id: `user${suffix.padEnd(8, 'x')}`, email: `user-${suffix}@example.com`, name: `User ${suffix.toUpperCase()}` };
	const room = `room${suffix.padEnd(8, 'x')}`;
	await createUsersRepository(db).create({ ...user, passwordHash: 'x' });
	await createRoomsRepository(db).create({
		id: room,
		name: `Room ${suffix}`,
		visibility: 'private',
		owner_id: user.id,
		invite_token: `invite-${suffix}`,
		created_at: 1
	});
	return { user, roomId: room };
}

/** A run row with every column set; override what the test is about. */
/** A room with these runs in it (queued rows), and the real runs repository over `db`. */
export async function seedRuns(db: Db, runIds: string[]) {
	const repo = createRunsRepository(db);
	const { user, roomId } = await seedRoom(db);
	for (const id of runIds) await repo.insert(runRow(id, roomId, user.id));
	return { repo, roomId, user };
}

export function runRow(id: string, roomId: string, authorId: string, patch: Partial<RunsTable> = {}): RunsTable {
	return {
		id,
		room_id: roomId,
		author_id: authorId,
		mode: 'orchestrated',
		prompt: `prompt of ${id}`,
		request: JSON.stringify({ prompt: `prompt of ${id}` }),
		status: 'queued',
		model_id: null,
		task: null,
		title: null,
		summary: null,
		answer: null,
		parent_run_id: null,
		forked_from_node: null,
		approval_by: null,
		metrics: null,
		error: null,
		last_seq: 0,
		created_at: 1000,
		started_at: null,
		finished_at: null,
		...patch
	};
}

/** Numbered `tokens` events seq from..to of one run. */
export function tokenEvents(runId: string, from: number, to: number): RunEvent[] {
	const out: RunEvent[] = [];
	for (let seq = from; seq <= to; seq++)
		out.push({ runId, seq, ts: 1_700_000_000_000 + seq, type: 'tokens', data: { modelId: 'sy-tiny', text: `t${seq} `, count: 1 } });
	return out;
}

/** A logger whose lines (parsed JSON) the test can read. */
export function memoryLogger(level = 'debug') {
	const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
	const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
	return { log, lines };
}

/**
 * The real repository, with appendEvents failing for the first `failures` calls: `before` the write (nothing stored)
 * or `after` it (stored, but the caller sees an error, like an ack lost with the connection).
 */
export function flakyRepository(repo: RunsRepository, failures: number, when: 'before' | 'after' = 'before') {
	const calls: RunEvent[][] = [];
	let left = failures;
	const flaky: RunsRepository = {
		...repo,
		async appendEvents(events) {
			calls.push(events);
			if (left > 0 && when === 'before') {
				left--;
				throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
			}
			await repo.appendEvents(events);
			if (left > 0) {
				left--;
				throw Object.assign(new Error('connection lost after the write'), { code: 'ECONNRESET' });
			}
		}
	};
	return {
		repo: flaky,
		calls,
		/** Fails the next `n` calls as well. */
		failNext(n: number) {
			left = n;
		}
	};
}
