import type { RunEvent, RunEventData, RunEventType } from '../../src/lib/contract/runs';
import type { Logger } from '../logger';
import type { RunBus } from './bus';
import type { RunsRepository } from './runs.repository';

const FLUSH_INTERVAL_MS = 100;
const FLUSH_AT_EVENTS = 200;

interface LiveRun {
	roomId: string;
	seq: number;
	/** Every event of a live run, so replay of an active run never waits for storage. */
	events: RunEvent[];
}

/**
 * Numbers, publishes and stores run events. Each run's events get seq 1, 2, 3… with no gaps; they reach the bus at
 * once and the database in batches (one multi-row insert per ~100 ms), so tokens never cost a write each.
 */
export class EventLog {
	private readonly live = new Map<string, LiveRun>();
	private pending: RunEvent[] = [];
	private timer?: NodeJS.Timeout;
	private writing: Promise<void> = Promise.resolve();

	constructor(
		private readonly repo: RunsRepository,
		private readonly bus: RunBus,
		private readonly log: Logger
	) {}

	/** Starts numbering a run's events after `lastSeq` (0 for a new run; the stored last seq when resuming). */
	open(runId: string, roomId: string, lastSeq = 0): void {
		if (!this.live.has(runId)) this.live.set(runId, { roomId, seq: lastSeq, events: [] });
	}

	/** Numbers and publishes one event. An event for a run that is not open is a bug upstream: logged and dropped, never thrown (callers include timers). */
	emit<K extends RunEventType>(runId: string, type: K, data: RunEventData[K]): RunEvent | undefined {
		const run = this.live.get(runId);
		if (!run) {
			this.log.error({ runId, type }, 'dropped an event for a run that is not open');
			return undefined;
		}
		const event = { runId, seq: ++run.seq, ts: Date.now(), type, data } as RunEvent;
		run.events.push(event);
		this.bus.publish({ ...event, roomId: run.roomId });
		this.pending.push(event);
		if (this.pending.length >= FLUSH_AT_EVENTS) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
		return event;
	}

	/** Stops keeping a finished run in memory, once its events are stored. */
	async close(runId: string): Promise<void> {
		await this.flush();
		this.live.delete(runId);
	}

	isLive(runId: string): boolean {
		return this.live.has(runId);
	}

	lastSeq(runId: string): number | undefined {
		return this.live.get(runId)?.seq;
	}

	/** Events after `afterSeq`: from memory for live runs, from the database otherwise. */
	async eventsAfter(runId: string, afterSeq: number): Promise<RunEvent[]> {
		const run = this.live.get(runId);
		if (run) return run.events.filter((e) => e.seq > afterSeq);
		await this.writing;
		return this.repo.eventsAfter(runId, afterSeq);
	}

	/**
	 * Every event of a run after `afterSeq`, exactly once and in order: live events are buffered while the stored
	 * ones are read, then delivered. Returns the unsubscribe function.
	 */
	async follow(runId: string, afterSeq: number, onEvent: (event: RunEvent) => void): Promise<() => void> {
		let delivered = afterSeq;
		let replaying = true;
		const buffered: RunEvent[] = [];
		const deliver = (e: RunEvent) => {
			if (e.seq !== delivered + 1) return; // a duplicate (already replayed) or, impossibly, a gap
			delivered = e.seq;
			onEvent(e);
		};
		const unsubscribe = this.bus.subscribe(({ roomId: _roomId, ...event }) => {
			const e = event as RunEvent; // the shape replayed events have: live and replayed ones look the same
			if (e.runId !== runId) return;
			if (replaying) buffered.push(e);
			else deliver(e);
		});
		for (const e of await this.eventsAfter(runId, afterSeq)) deliver(e);
		replaying = false;
		for (const e of buffered) if (e.seq > delivered) deliver(e);
		return unsubscribe;
	}

	/** Writes everything pending; writes are chained so they land in order. */
	flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		const batch = this.pending;
		this.pending = [];
		if (batch.length === 0) return this.writing;
		this.writing = this.writing.then(() =>
			this.repo.appendEvents(batch).catch((err) => this.log.error({ err, events: batch.length }, 'could not store run events'))
		);
		return this.writing;
	}
}
