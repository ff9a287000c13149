// A batch of run events that cannot be stored is kept and retried, in order, with backoff, within bounded memory.
// Storage is the real SQLite repository behind a wrapper whose appendEvents fails for a while (the fault injector);
// timers are faked so the backoff schedule is checked exactly.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { MemoryRunBus } from './bus';
import { EventLog, type EventLogOptions } from './event-log';
import type { RunsRepository } from './runs.repository';
import { flakyRepository, memoryLogger, runRow, seedRuns } from '../../tests/helpers/run-storage';

let t: TestDatabase;
let repo: RunsRepository;
let roomId: string;
const RUN = 'runaaaaaaaaa';
const OTHER = 'runbbbbbbbbb';

beforeEach(async () => {
	t = await freshDatabase('sqlite');
	({ repo, roomId } = await seedRuns(t.db, [RUN, OTHER]));
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(async () => {
	vi.useRealTimers();
	await t.drop();
});

function setup(failures: number, when: 'before' | 'after' = 'before', options: Partial<EventLogOptions> = {}) {
	const flaky = flakyRepository(repo, failures, when);
	const { log, lines } = memoryLogger();
	const events = new EventLog(flaky.repo, new MemoryRunBus(), log, options);
	events.open(RUN, roomId);
	return { events, lines, flaky, logged: (msg: string) => lines.filter((l) => l.msg === msg) };
}

const tokens = (events: EventLog, runId: string, n: number) => {
	for (let i = 0; i < n; i++) events.emit(runId, 'tokens', { modelId: 'sy-tiny', text: `w${i} `, count: 1 });
};
const storedSeqs = async (runId: string) => (await repo.eventsAfter(runId, 0)).map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('EventLog when storage fails', () => {
	it('keeps a failed batch and retries it with doubling backoff, in order, without a gap', async () => {
		const { events, flaky, logged } = setup(3);
		tokens(events, RUN, 5);
		await vi.advanceTimersByTimeAsync(100); // the interval flush: attempt 1 fails
		expect(flaky.calls).toHaveLength(1);
		expect(logged('could not store run events: keeping them and retrying')).toHaveLength(1);

		tokens(events, RUN, 3); // while a retry is scheduled, new events wait for it instead of writing on their own
		await vi.advanceTimersByTimeAsync(99);
		expect(flaky.calls).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1); // +100 ms: attempt 2 fails
		expect(flaky.calls).toHaveLength(2);
		await vi.advanceTimersByTimeAsync(199);
		expect(flaky.calls).toHaveLength(2);
		await vi.advanceTimersByTimeAsync(1); // +200 ms: attempt 3 fails
		expect(flaky.calls).toHaveLength(3);
		expect(await storedSeqs(RUN)).toEqual([]);
		await vi.advanceTimersByTimeAsync(400); // +400 ms: attempt 4 lands everything
		expect(flaky.calls).toHaveLength(4);
		expect(flaky.calls[3].map((e) => e.seq)).toEqual(range(1, 8));
		expect(await storedSeqs(RUN)).toEqual(range(1, 8));
		expect(logged('storing run events failed again: retrying').map((l) => l.retryInMs)).toEqual([200, 400]);
		expect(logged('storing run events again')).toMatchObject([{ failedAttempts: 3 }]);

		// Healthy again: back to one write per interval, and the backoff starts over.
		tokens(events, RUN, 2);
		await vi.advanceTimersByTimeAsync(100);
		expect(flaky.calls).toHaveLength(5);
		expect(await storedSeqs(RUN)).toEqual(range(1, 10));
		expect((await repo.get(RUN))!.lastSeq).toBe(10);
	});

	it('caps the backoff at retryMaxMs', async () => {
		const { events, flaky, logged } = setup(8, 'before', { retryBaseMs: 100, retryMaxMs: 1000 });
		tokens(events, RUN, 1);
		await vi.advanceTimersByTimeAsync(100 + 100 + 200 + 400 + 800 + 1000 + 1000 + 1000 + 1000); // the interval, then 8 waits
		expect(flaky.calls).toHaveLength(9);
		expect(logged('storing run events failed again: retrying').map((l) => l.retryInMs)).toEqual([200, 400, 800, 1000, 1000, 1000, 1000]);
		expect(await storedSeqs(RUN)).toEqual([1]);
	});

	it('a retried batch that was in fact written is stored once, without a key error', async () => {
		const { events, flaky, logged } = setup(1, 'after'); // the first write lands, but its caller sees an error
		tokens(events, RUN, 4);
		await vi.advanceTimersByTimeAsync(100);
		expect(await storedSeqs(RUN)).toEqual([1, 2, 3, 4]);
		tokens(events, RUN, 2);
		await vi.advanceTimersByTimeAsync(100); // the retry carries 1–4 again, with 5–6
		expect(flaky.calls.map((c) => c.length)).toEqual([4, 6]);
		expect(await storedSeqs(RUN)).toEqual(range(1, 6));
		expect(logged('the database refuses these run events: dropped')).toEqual([]);
		expect(logged('storing run events again')).toHaveLength(1);
	});

	it('close() while storage is down keeps the run readable and stores it once storage is back', async () => {
		const { events, flaky } = setup(2);
		tokens(events, RUN, 3);
		events.emit(RUN, 'run.finished', { status: 'succeeded', modelId: 'sy-tiny', metrics: null });
		await events.close(RUN); // its flush fails: close returns, the events stay
		expect(flaky.calls).toHaveLength(1);
		expect(events.isLive(RUN)).toBe(false);
		expect(events.emit(RUN, 'tokens', { modelId: 'sy-tiny', text: 'late', count: 1 })).toBeUndefined();
		expect((await events.eventsAfter(RUN, 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4]); // from memory
		expect(events.lastSeq(RUN)).toBe(4);

		await vi.advanceTimersByTimeAsync(100); // retry 1 fails
		expect(events.lastSeq(RUN)).toBe(4);
		await vi.advanceTimersByTimeAsync(200); // retry 2 stores the run, which is then forgotten
		expect(flaky.calls).toHaveLength(3);
		expect(await storedSeqs(RUN)).toEqual([1, 2, 3, 4]);
		expect(events.lastSeq(RUN)).toBeUndefined();
		expect((await events.eventsAfter(RUN, 2)).map((e) => e.type)).toEqual(['tokens', 'run.finished']);
	});

	it('a run reopened while its events await storage keeps numbering from memory', async () => {
		const { events } = setup(1);
		tokens(events, RUN, 3);
		await events.close(RUN);
		events.open(RUN, roomId, await repo.lastSeq(RUN)); // the database says 0: memory knows better
		expect(events.emit(RUN, 'run.resumed', { by: 'someone', decision: { action: 'approve' } })!.seq).toBe(4);
		await vi.advanceTimersByTimeAsync(100);
		expect(await storedSeqs(RUN)).toEqual([1, 2, 3, 4]);
		expect(events.isLive(RUN)).toBe(true);
	});

	it('keeps at most maxUnstoredPerRun events per run while storage stays down, and logs what was given up', async () => {
		const { events, flaky, logged } = setup(1_000, 'before', { maxUnstoredPerRun: 50 });
		events.open(OTHER, roomId);
		tokens(events, RUN, 80);
		tokens(events, OTHER, 10);
		await vi.advanceTimersByTimeAsync(100);
		expect(
			logged('storage is still failing: giving up on this run’s oldest unstored events beyond the limit (live viewers still have them)')
		).toMatchObject([{ runId: RUN, limit: 50 }]);
		expect((await events.eventsAfter(RUN, 0)).length).toBe(80); // live viewers lose nothing

		flaky.failNext(0);
		await vi.advanceTimersByTimeAsync(200);
		expect(await storedSeqs(RUN)).toEqual(range(31, 80));
		expect(await storedSeqs(OTHER)).toEqual(range(1, 10));
		expect(logged('run events stored again; the ones given up while storage was down are missing from the stored log')).toMatchObject([
			{ runId: RUN, count: 30, firstSeq: 1, lastSeq: 30 }
		]);
	});

	it('drops the events of a run the database refuses (its row is gone) without holding up other runs', async () => {
		const { events, flaky, logged } = setup(0);
		events.open(OTHER, roomId);
		await repo.insert(runRow('rungoneeeeee', roomId, (await repo.get(RUN))!.authorId));
		events.open('rungoneeeeee', roomId);
		await t.db.deleteFrom('runs').where('id', '=', 'rungoneeeeee').execute(); // e.g. its room was deleted mid-run
		tokens(events, RUN, 2);
		tokens(events, 'rungoneeeeee', 2);
		tokens(events, OTHER, 2);
		await vi.advanceTimersByTimeAsync(100);

		expect(await storedSeqs(RUN)).toEqual([1, 2]);
		expect(await storedSeqs(OTHER)).toEqual([1, 2]);
		expect(logged('the database refuses these run events: dropped')).toMatchObject([{ runId: 'rungoneeeeee', events: 2 }]);
		expect(logged('could not store run events: keeping them and retrying')).toEqual([]);
		const calls = flaky.calls.length;
		await vi.advanceTimersByTimeAsync(10_000);
		expect(flaky.calls.length).toBe(calls); // nothing left to retry
	});

	it('writes a backlog in inserts of at most maxBatch rows, in order', async () => {
		const { events, flaky } = setup(1, 'before', { maxBatch: 100, flushAtEvents: 1000 });
		tokens(events, RUN, 250);
		await vi.advanceTimersByTimeAsync(100);
		await vi.advanceTimersByTimeAsync(100);
		expect(flaky.calls.map((c) => [c[0].seq, c.length])).toEqual([
			[1, 100],
			[1, 100],
			[101, 100],
			[201, 50]
		]);
		expect(await storedSeqs(RUN)).toEqual(range(1, 250));
	});
});
