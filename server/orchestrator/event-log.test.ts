import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/lib/contract/runs';
import { freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { MemoryRunBus, type RoomRunEvent } from './bus';
import { EventLog } from './event-log';
import type { RunsRepository } from './runs.repository';
import { memoryLogger, seedRuns } from '../../tests/helpers/run-storage';

let t: TestDatabase;
let repo: RunsRepository;
let roomId: string;
const RUN = 'runaaaaaaaaa';
const OTHER = 'runbbbbbbbbb';

beforeEach(async () => {
	t = await freshDatabase('sqlite');
	({ repo, roomId } = await seedRuns(t.db, [RUN, OTHER]));
});
afterEach(async () => {
	vi.useRealTimers();
	await t.drop();
});

/** An EventLog on the real repository; `writes` counts appendEvents calls (batch sizes). */
function setup() {
	const bus = new MemoryRunBus();
	const { log, lines } = memoryLogger();
	const writes: number[] = [];
	const counted: RunsRepository = { ...repo, appendEvents: (events) => (writes.push(events.length), repo.appendEvents(events)) };
	return { events: new EventLog(counted, bus, log), bus, lines, writes };
}

const tokens = (events: EventLog, runId: string, n: number) => {
	for (let i = 0; i < n; i++) events.emit(runId, 'tokens', { modelId: 'sy-tiny', text: `w${i} `, count: 1 });
};
const seqs = (list: { seq: number }[]) => list.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const macrotask = () => new Promise((r) => setImmediate(r));

describe('numbering', () => {
	it('numbers each run 1, 2, 3… on its own, publishes at once with the room, and returns the event', () => {
		const { events, bus } = setup();
		const published: RoomRunEvent[] = [];
		bus.subscribe((e) => published.push(e));
		events.open(RUN, roomId);
		events.open(OTHER, roomId);
		const first = events.emit(RUN, 'run.started', {});
		tokens(events, OTHER, 2);
		tokens(events, RUN, 2);

		expect(first).toMatchObject({ runId: RUN, seq: 1, type: 'run.started', data: {} });
		expect(first!.ts).toBeGreaterThan(Date.now() - 5000);
		expect(published.filter((e) => e.runId === RUN).map((e) => e.seq)).toEqual([1, 2, 3]);
		expect(published.filter((e) => e.runId === OTHER).map((e) => e.seq)).toEqual([1, 2]);
		expect(published.every((e) => e.roomId === roomId)).toBe(true);
		expect(events.lastSeq(RUN)).toBe(3);
		expect(events.isLive(RUN)).toBe(true);
	});

	it('continues after the stored last seq when reopened, and a second open changes nothing', () => {
		const { events } = setup();
		events.open(RUN, roomId, 7);
		expect(events.emit(RUN, 'run.started', {})!.seq).toBe(8);
		events.open(RUN, roomId, 0); // already open: must not restart at 1
		expect(events.emit(RUN, 'run.started', {})!.seq).toBe(9);
	});

	it('drops (and logs) an event for a run that is not open, without throwing', async () => {
		const { events, lines } = setup();
		expect(events.emit(RUN, 'run.started', {})).toBeUndefined();
		events.open(RUN, roomId);
		await events.close(RUN);
		expect(events.emit(RUN, 'run.started', {})).toBeUndefined();
		expect(lines.filter((l) => l.msg === 'dropped an event for a run that is not open')).toHaveLength(2);
		expect(events.isLive(RUN)).toBe(false);
		expect(events.lastSeq(RUN)).toBeUndefined();
		expect(await repo.eventsAfter(RUN, 0)).toEqual([]);
	});
});

describe('batching', () => {
	it('writes one multi-row insert per interval, or at once when 200 events are queued', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { events, writes } = setup();
		events.open(RUN, roomId);
		tokens(events, RUN, 199);
		await macrotask();
		expect(writes).toEqual([]); // waiting for the interval
		tokens(events, RUN, 1);
		await macrotask();
		expect(writes).toEqual([200]); // the 200th event did not wait
		tokens(events, RUN, 5);
		await macrotask();
		expect(writes).toEqual([200]);
		await vi.advanceTimersByTimeAsync(100);
		expect(writes).toEqual([200, 5]);
		expect(seqs(await repo.eventsAfter(RUN, 0))).toEqual(range(1, 205));
		expect((await repo.get(RUN))!.lastSeq).toBe(205);
	});

	it('puts events of several runs into the same insert', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { events, writes } = setup();
		events.open(RUN, roomId);
		events.open(OTHER, roomId);
		tokens(events, RUN, 3);
		tokens(events, OTHER, 4);
		await vi.advanceTimersByTimeAsync(100);
		expect(writes).toEqual([7]);
		expect(seqs(await repo.eventsAfter(OTHER, 0))).toEqual([1, 2, 3, 4]);
	});

	it('flush() writes what is queued without waiting; close() stores the run’s events, then forgets the run', async () => {
		const { events, writes } = setup();
		events.open(RUN, roomId);
		tokens(events, RUN, 3);
		await events.flush();
		expect(writes).toEqual([3]);
		tokens(events, RUN, 2);
		await events.close(RUN);
		expect(writes).toEqual([3, 2]);
		expect(seqs(await repo.eventsAfter(RUN, 0))).toEqual([1, 2, 3, 4, 5]);
		expect(events.isLive(RUN)).toBe(false);
		await events.flush(); // nothing queued: no empty insert
		expect(writes).toEqual([3, 2]);
	});
});

describe('eventsAfter', () => {
	it('serves an open run from memory, before anything is stored', async () => {
		const { events, writes } = setup();
		events.open(RUN, roomId);
		tokens(events, RUN, 4);
		expect(seqs(await events.eventsAfter(RUN, 1))).toEqual([2, 3, 4]);
		expect(writes).toEqual([]);
		expect(await repo.eventsAfter(RUN, 0)).toEqual([]);
	});

	it('serves a closed run from storage', async () => {
		const { events } = setup();
		events.open(RUN, roomId);
		tokens(events, RUN, 4);
		const inMemory = await events.eventsAfter(RUN, 0);
		await events.close(RUN);
		// Stored rows changed behind its back show up: the answer now comes from the database.
		await t.db.deleteFrom('run_events').where('run_id', '=', RUN).where('seq', '=', 3).execute();
		expect(seqs(await events.eventsAfter(RUN, 1))).toEqual([2, 4]);
		expect((await events.eventsAfter(RUN, 0)).slice(0, 2)).toEqual(inMemory.slice(0, 2));
	});
});

describe('follow', () => {
	const follower = (events: EventLog, afterSeq: number) => {
		const got: RunEvent[] = [];
		return { got, start: events.follow(RUN, afterSeq, (e) => got.push(e)) };
	};

	it('while the run is live: the past from memory, then live events, each exactly once in order', async () => {
		const { events } = setup();
		events.open(RUN, roomId);
		tokens(events, RUN, 3);
		const f = follower(events, 1);
		tokens(events, RUN, 2); // emitted while the replay is being read: buffered, not lost or doubled
		const stop = await f.start;
		tokens(events, RUN, 2);
		events.open(OTHER, roomId);
		tokens(events, OTHER, 3); // another run's events are not delivered
		expect(seqs(f.got)).toEqual(range(2, 7));
		expect(f.got.every((e) => e.runId === RUN)).toBe(true);
		stop();
		tokens(events, RUN, 1);
		expect(seqs(f.got)).toEqual(range(2, 7));
	});

	it('across close: live events then nothing twice; after close, the whole run from storage', async () => {
		const { events } = setup();
		events.open(RUN, roomId);
		tokens(events, RUN, 2);
		const live = follower(events, 0);
		await live.start;
		events.emit(RUN, 'run.finished', { status: 'succeeded', modelId: 'sy-tiny', metrics: null });
		await events.close(RUN);
		expect(seqs(live.got)).toEqual([1, 2, 3]);

		const late = follower(events, 0);
		await late.start;
		expect(late.got).toEqual(live.got);
		expect(late.got.at(-1)!.type).toBe('run.finished');
	});

	it('a follower that starts while the run is reopened gets the stored past and the new events once', async () => {
		const { events } = setup();
		events.open(RUN, roomId);
		tokens(events, RUN, 3);
		await events.close(RUN);
		const f = follower(events, 0); // reads storage
		events.open(RUN, roomId, await repo.lastSeq(RUN)); // resumed meanwhile
		tokens(events, RUN, 2);
		await f.start;
		tokens(events, RUN, 1);
		expect(seqs(f.got)).toEqual(range(1, 6));
	});
});
