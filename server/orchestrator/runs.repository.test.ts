import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { createRunsRepository, type RunsRepository } from './runs.repository';
import { runRow, seedRoom, tokenEvents } from '../../tests/helpers/run-storage';

describe.each(DIALECTS)('runs repository on %s', (kind) => {
	let t: TestDatabase;
	let runs: RunsRepository;
	let roomId: string;
	let otherRoomId: string;
	let ann: string;
	let bob: string;

	beforeEach(async () => {
		t = await freshDatabase(kind);
		runs = createRunsRepository(t.db);
		const a = await seedRoom(t.db, 'a');
		const b = await seedRoom(t.db, 'b');
		({ roomId } = a);
		otherRoomId = b.roomId;
		ann = a.user.id;
		bob = b.user.id;
	});
	afterEach(() => t.drop());

	const ids = (list: { id: string }[]) => list.map((r) => r.id);

	it('inserts, reads back every field, and updates a patch', async () => {
		const metrics = {
			queueWaitMs: 1,
			loadWaitMs: 2,
			timeToFirstTokenMs: 3,
			tokensPerSecond: 4.5,
			promptTokens: 6,
			completionTokens: 7,
			totalMs: 8
		};
		await runs.insert(
			runRow('run1', roomId, ann, { mode: 'direct', parent_run_id: 'run0', forked_from_node: 'executor', created_at: 1_700_000_000_123 })
		);
		expect(await runs.get('run1')).toMatchObject({
			id: 'run1',
			roomId,
			authorId: ann,
			mode: 'direct',
			status: 'queued',
			parentRunId: 'run0',
			forkedFromNode: 'executor',
			createdAt: 1_700_000_000_123, // a BIGINT comes back as a number on both dialects
			metrics: null,
			answer: null,
			request: JSON.stringify({ prompt: 'prompt of run1' }),
			lastSeq: 0
		});

		await runs.update('run1', {
			status: 'succeeded',
			answer: 'hello',
			metrics: JSON.stringify(metrics),
			model_id: 'sy-tiny',
			finished_at: 5
		});
		expect(await runs.get('run1')).toMatchObject({
			status: 'succeeded',
			answer: 'hello',
			metrics,
			modelId: 'sy-tiny',
			finishedAt: 5,
			mode: 'direct'
		});
		expect(await runs.get('nope')).toBeUndefined();
	});

	it('lists a room newest first (ties by id), filtered, paged by `before` and limited', async () => {
		await runs.insert(runRow('r1', roomId, ann, { created_at: 100, status: 'succeeded', model_id: 'sy-tiny', task: 'chat' }));
		await runs.insert(runRow('r2', roomId, bob, { created_at: 200, status: 'failed', model_id: 'sy-code', task: 'code' }));
		await runs.insert(runRow('r3', roomId, ann, { created_at: 200, status: 'succeeded', model_id: 'sy-code', task: 'code' }));
		await runs.insert(runRow('r4', roomId, ann, { created_at: 300, status: 'running' }));
		await runs.insert(runRow('x1', otherRoomId, bob, { created_at: 400, status: 'succeeded' }));

		expect(ids(await runs.list(roomId, { limit: 10 }))).toEqual(['r4', 'r3', 'r2', 'r1']);
		expect(ids(await runs.list(roomId, { limit: 2 }))).toEqual(['r4', 'r3']);
		expect(ids(await runs.list(roomId, { limit: 10, before: 300 }))).toEqual(['r3', 'r2', 'r1']);
		expect(ids(await runs.list(roomId, { limit: 10, status: 'succeeded' }))).toEqual(['r3', 'r1']);
		expect(ids(await runs.list(roomId, { limit: 10, modelId: 'sy-code' }))).toEqual(['r3', 'r2']);
		expect(ids(await runs.list(roomId, { limit: 10, task: 'chat' }))).toEqual(['r1']);
		expect(ids(await runs.list(roomId, { limit: 10, authorId: bob }))).toEqual(['r2']);
		expect(ids(await runs.list(roomId, { limit: 10, status: 'succeeded', modelId: 'sy-code', authorId: ann }))).toEqual(['r3']);
		expect(await runs.list(otherRoomId, { limit: 10, authorId: ann })).toEqual([]);
	});

	it('reads a room’s latest succeeded runs with their answers and summaries in one query, newest first', async () => {
		const done = { status: 'succeeded' as const };
		await runs.insert(runRow('h1', roomId, ann, { ...done, created_at: 100, answer: 'one', summary: 'first' }));
		await runs.insert(runRow('h2', roomId, bob, { ...done, created_at: 200, answer: null, title: 'Two' }));
		await runs.insert(runRow('h3', roomId, ann, { ...done, created_at: 300, answer: 'three' }));
		await runs.insert(runRow('h4', roomId, ann, { created_at: 400, status: 'failed', answer: 'failed' }));
		await runs.insert(runRow('x1', otherRoomId, bob, { ...done, created_at: 500, answer: 'elsewhere' }));

		expect(await runs.recentAnswered(roomId, 2)).toEqual([
			{ id: 'h3', prompt: 'prompt of h3', answer: 'three', title: undefined, summary: null, createdAt: 300 },
			{ id: 'h2', prompt: 'prompt of h2', answer: '', title: 'Two', summary: null, createdAt: 200 }
		]);
		expect((await runs.recentAnswered(roomId, 10)).map((r) => [r.id, r.summary])).toEqual([
			['h3', null],
			['h2', null],
			['h1', 'first']
		]);
	});

	it('searches prompt and title case-insensitively', async () => {
		await runs.insert(runRow('p1', roomId, ann, { prompt: 'Explain the Model Cache', created_at: 1 }));
		await runs.insert(runRow('p2', roomId, ann, { prompt: 'something else', title: 'About the CACHE', created_at: 2 }));
		await runs.insert(runRow('p3', roomId, ann, { prompt: 'unrelated', created_at: 3 }));
		expect(ids(await runs.list(roomId, { limit: 10, q: 'cache' }))).toEqual(['p2', 'p1']);
		expect(ids(await runs.list(roomId, { limit: 10, q: 'MODEL cache' }))).toEqual(['p1']);
	});

	it('matches %, _ and the escape characters literally, never as wildcards', async () => {
		await runs.insert(runRow('pct', roomId, ann, { prompt: 'a 50% discount', created_at: 1 }));
		await runs.insert(runRow('num', roomId, ann, { prompt: 'a 500 discount', created_at: 2 }));
		await runs.insert(runRow('und', roomId, ann, { prompt: 'call snake_case here', created_at: 3 }));
		await runs.insert(runRow('dash', roomId, ann, { prompt: 'call snake-case here', created_at: 4 }));
		await runs.insert(runRow('bsl', roomId, ann, { prompt: 'path C:\\temp', created_at: 5 }));
		await runs.insert(runRow('bang', roomId, ann, { prompt: 'wow! really', created_at: 6 }));

		expect(ids(await runs.list(roomId, { limit: 10, q: '50%' }))).toEqual(['pct']);
		expect(ids(await runs.list(roomId, { limit: 10, q: '%' }))).toEqual(['pct']);
		expect(ids(await runs.list(roomId, { limit: 10, q: 'snake_case' }))).toEqual(['und']);
		expect(ids(await runs.list(roomId, { limit: 10, q: '_' }))).toEqual(['und']);
		expect(ids(await runs.list(roomId, { limit: 10, q: 'c:\\t' }))).toEqual(['bsl']);
		expect(ids(await runs.list(roomId, { limit: 10, q: 'wow!' }))).toEqual(['bang']);
		expect(ids(await runs.list(roomId, { limit: 10, q: '!' }))).toEqual(['bang']);
	});

	it('lists unfinished runs oldest first, in one room or all', async () => {
		await runs.insert(runRow('u1', roomId, ann, { created_at: 30, status: 'running' }));
		await runs.insert(runRow('u2', otherRoomId, bob, { created_at: 10, status: 'queued' }));
		await runs.insert(runRow('u3', roomId, ann, { created_at: 20, status: 'waiting_approval' }));
		for (const status of ['succeeded', 'failed', 'cancelled'] as const)
			await runs.insert(runRow(`done-${status}`, roomId, ann, { status }));

		expect(ids(await runs.listUnfinished())).toEqual(['u2', 'u3', 'u1']);
		expect(ids(await runs.listUnfinished(roomId))).toEqual(['u3', 'u1']);
	});

	it('appends events of several runs in one batch and moves each run’s last_seq', async () => {
		await runs.insert(runRow('e1', roomId, ann));
		await runs.insert(runRow('e2', roomId, ann));
		await runs.appendEvents([]); // nothing to do, no statement
		await runs.appendEvents([...tokenEvents('e1', 1, 3), ...tokenEvents('e2', 1, 2)]);

		expect(await runs.eventsAfter('e1', 0)).toEqual(tokenEvents('e1', 1, 3));
		expect(await runs.eventsAfter('e2', 0)).toEqual(tokenEvents('e2', 1, 2));
		expect((await runs.get('e1'))!.lastSeq).toBe(3);
		expect((await runs.get('e2'))!.lastSeq).toBe(2);
		expect(await runs.lastSeq('e1')).toBe(3);
		expect(await runs.lastSeq('unknown')).toBe(0);
	});

	it('is idempotent when a batch is retried: no duplicate, no key error, last_seq never moves back', async () => {
		await runs.insert(runRow('i1', roomId, ann));
		await runs.appendEvents(tokenEvents('i1', 1, 3));
		// The same batch again (its first write did land), then one that overlaps the stored tail.
		await runs.appendEvents(tokenEvents('i1', 1, 3));
		await runs.appendEvents(tokenEvents('i1', 3, 5));
		expect((await runs.eventsAfter('i1', 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
		expect((await runs.get('i1'))!.lastSeq).toBe(5);

		await runs.appendEvents(tokenEvents('i1', 1, 2)); // a late retry of an older batch
		expect((await runs.get('i1'))!.lastSeq).toBe(5);
		expect(await runs.eventsAfter('i1', 0)).toHaveLength(5);
	});

	it('reads events after a seq, in order, limited, parsed back to data', async () => {
		await runs.insert(runRow('q1', roomId, ann));
		await runs.appendEvents(tokenEvents('q1', 1, 10));
		const after = await runs.eventsAfter('q1', 4, 3);
		expect(after.map((e) => e.seq)).toEqual([5, 6, 7]);
		expect(after[0]).toEqual({
			runId: 'q1',
			seq: 5,
			ts: 1_700_000_000_005,
			type: 'tokens',
			data: { modelId: 'sy-tiny', text: 't5 ', count: 1 }
		});
		expect(await runs.eventsAfter('q1', 10)).toEqual([]);
	});

	it('refuses events of a run that does not exist (the foreign key holds)', async () => {
		await expect(runs.appendEvents(tokenEvents('ghost', 1, 1))).rejects.toThrow();
		expect(await runs.eventsAfter('ghost', 0)).toEqual([]);
	});
});
