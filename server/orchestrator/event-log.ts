import type { RunEvent, RunEventData, RunEventType } from '../../src/lib/contract/runs';
import type { Logger } from '../logger';
import type { RunBus } from './bus';
import { HeardSeqs } from './heard-seqs';
import type { RunsRepository } from './runs.repository';

export interface EventLogOptions {
	/** How long an event may wait before its batch is written. */
	flushIntervalMs: number;
	/** Queued events that trigger a write at once. */
	flushAtEvents: number;
	/** Most rows in one insert (PostgreSQL allows 65,535 parameters per statement; a row takes five). */
	maxBatch: number;
	/** While storage fails, unstored events kept per run; beyond it the oldest are given up, and the log says so. */
	maxUnstoredPerRun: number;
	/** First retry delay after a failed write; doubles per failure up to retryMaxMs. */
	retryBaseMs: number;
	retryMaxMs: number;
	/** Longest a replay of a run driven elsewhere waits for the driver to store the events this node already sent. */
	storedWaitMs: number;
}

export const EVENT_LOG_DEFAULTS: EventLogOptions = {
	flushIntervalMs: 100,
	flushAtEvents: 200,
	maxBatch: 1000,
	maxUnstoredPerRun: 10_000,
	retryBaseMs: 100,
	retryMaxMs: 5000,
	storedWaitMs: 3000
};

interface LiveRun {
	roomId: string;
	seq: number;
	/** Every event of a live run, so replay of an active run never waits for storage. */
	events: RunEvent[];
	/** Emitted, not yet known to be stored; oldest first. */
	unstored: RunEvent[];
	/** close() was called: the run is forgotten once `unstored` is empty. */
	closed: boolean;
	/** Events given up on (over maxUnstoredPerRun) since the run's events were last stored. */
	lost?: { count: number; firstSeq: number; lastSeq: number };
}

// Errors a retry cannot fix: PostgreSQL data exceptions (22…) and integrity violations (23…, e.g. the run row is
// gone), SQLite constraint failures. Anything else (connection lost, database locked, pool closed) is retried.
function isPermanent(err: unknown): boolean {
	const code = (err as { code?: unknown } | null)?.code;
	return typeof code === 'string' && (/^2[23][0-9A-Z]{3}$/.test(code) || code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_TOOBIG');
}

function byRun(events: RunEvent[]): RunEvent[][] {
	const groups = new Map<string, RunEvent[]>();
	for (const e of events) {
		const group = groups.get(e.runId);
		if (group) group.push(e);
		else groups.set(e.runId, [e]);
	}
	return [...groups.values()];
}

/**
 * Numbers, publishes and stores run events. Each run's events get seq 1, 2, 3… with no gaps; they reach the bus at
 * once and the database in batches (one multi-row insert per ~100 ms), so tokens never cost a write each.
 *
 * A batch that cannot be written is kept and retried, in order, with backoff; a run's events leave memory only once
 * stored, so a run closed while storage is down stays readable here and is stored when storage comes back. Memory is
 * bounded by `maxUnstoredPerRun`: past it the oldest unstored events of that run are given up, and logged.
 */
export class EventLog {
	private readonly live = new Map<string, LiveRun>();
	private readonly options: EventLogOptions;
	/** Events emitted since the last flush() call (what flushAtEvents counts). */
	private queued = 0;
	private timer?: NodeJS.Timeout;
	private retryTimer?: NodeJS.Timeout;
	/** Failed write attempts in a row (drives the backoff). */
	private failures = 0;
	private writing: Promise<void> = Promise.resolve();
	private readonly heard = new HeardSeqs();

	constructor(
		private readonly repo: RunsRepository,
		private readonly bus: RunBus,
		private readonly log: Logger,
		options: Partial<EventLogOptions> = {}
	) {
		this.options = { ...EVENT_LOG_DEFAULTS, ...options };
		bus.subscribe((event, origin) => this.heard.hear(event, origin));
	}

	/** Starts numbering a run's events after `lastSeq` (0 for a new run; the stored last seq when resuming). */
	open(runId: string, roomId: string, lastSeq = 0): void {
		const run = this.live.get(runId);
		// Still in memory (live, or closed with events awaiting storage): its own seq is the truth, not the database's.
		if (run) run.closed = false;
		else this.live.set(runId, { roomId, seq: lastSeq, events: [], unstored: [], closed: false });
	}

	/** Numbers and publishes one event. An event for a run that is not open is a bug upstream: logged and dropped, never thrown (callers include timers). */
	emit<K extends RunEventType>(runId: string, type: K, data: RunEventData[K]): RunEvent | undefined {
		const run = this.live.get(runId);
		if (!run || run.closed) {
			this.log.error({ runId, type }, 'dropped an event for a run that is not open');
			return undefined;
		}
		const event = { runId, seq: ++run.seq, ts: Date.now(), type, data } as RunEvent;
		run.events.push(event);
		run.unstored.push(event);
		if (run.unstored.length > this.options.maxUnstoredPerRun) this.giveUpOldest(runId, run);
		this.bus.publish({ ...event, roomId: run.roomId });
		this.queued++;
		if (this.retryTimer) return event; // storage is failing: the scheduled retry writes this one too
		if (this.queued >= this.options.flushAtEvents) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
		return event;
	}

	/**
	 * Ends a run: no more events. Resolves once its events are stored, or once this attempt to store them failed;
	 * then the run stays in memory (replay keeps working) until a retry stores them, and is forgotten after.
	 */
	async close(runId: string): Promise<void> {
		const run = this.live.get(runId);
		if (!run) return;
		run.closed = true;
		await this.flush();
		if (run.unstored.length === 0 && this.live.get(runId) === run && run.closed) this.live.delete(runId);
	}

	/** Open: events may still come. */
	isLive(runId: string): boolean {
		const run = this.live.get(runId);
		return !!run && !run.closed;
	}

	lastSeq(runId: string): number | undefined {
		return this.live.get(runId)?.seq;
	}

	/**
	 * Events after `afterSeq`: from memory for runs held here (live, or awaiting storage), from the database otherwise
	 * — for a run driven by another node, once the database holds what this node has heard of it (see HeardSeqs).
	 */
	async eventsAfter(runId: string, afterSeq: number): Promise<RunEvent[]> {
		const run = this.live.get(runId);
		if (run) return run.events.filter((e) => e.seq > afterSeq);
		await this.writing;
		const stored = await this.heard.storedCovering(runId, afterSeq, () => this.repo.eventsAfter(runId, afterSeq), {
			waitMs: this.options.storedWaitMs,
			heldHere: () => this.live.has(runId)
		});
		if (!stored.covered) this.log.warn({ runId, afterSeq, heard: this.heard.of(runId) }, 'replaying a run its driver has not stored yet');
		return stored.events;
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

	/**
	 * Writes every unstored event now; writes are chained so each run's land in order. Never rejects: it resolves
	 * when this attempt ends, and what could not be written stays queued for a retry with backoff.
	 */
	flush(): Promise<void> {
		clearTimeout(this.timer);
		clearTimeout(this.retryTimer);
		this.timer = this.retryTimer = undefined;
		this.queued = 0;
		this.writing = this.writing.then(() => this.drain());
		return this.writing;
	}

	// ── internals ──────────────────────────────────────────────────────────────────────────────────────────────

	private async drain(): Promise<void> {
		try {
			for (;;) {
				const batch = this.nextBatch();
				if (batch.length === 0) return;
				const error = await this.store(batch);
				if (error !== undefined) return this.retryLater(error);
				if (this.failures > 0) {
					this.log.info({ failedAttempts: this.failures }, 'storing run events again');
					this.failures = 0;
				}
				if (batch.length < this.options.maxBatch) return; // a backlog (after an outage) is written in full
			}
		} catch (err) {
			// Only a bug here could throw (store() catches storage errors); never let it break the write chain.
			this.log.error({ err }, 'run event writer failed');
		}
	}

	/** The oldest unstored events, each run's in seq order, up to maxBatch. */
	private nextBatch(): RunEvent[] {
		const batch: RunEvent[] = [];
		for (const run of this.live.values()) {
			for (const e of run.unstored) {
				if (batch.length >= this.options.maxBatch) return batch;
				batch.push(e);
			}
		}
		return batch;
	}

	/** Writes a batch; on failure, each run alone, so a run that can never be stored does not hold up the others. Returns the error to retry on, if any. */
	private async store(batch: RunEvent[]): Promise<unknown> {
		const error = await this.append(batch);
		if (error === undefined) return undefined;
		const groups = byRun(batch);
		if (groups.length === 1) return this.retryable(groups[0], error);
		let retry: unknown;
		for (const events of groups) {
			const e = await this.append(events);
			if (e !== undefined) retry = this.retryable(events, e) ?? retry;
		}
		return retry;
	}

	private async append(events: RunEvent[]): Promise<unknown> {
		try {
			await this.repo.appendEvents(events);
		} catch (err) {
			return err ?? new Error('appendEvents failed');
		}
		this.settled(events);
		return undefined;
	}

	/** The error if a retry may help; otherwise the events are dropped (with a log line) and undefined. */
	private retryable(events: RunEvent[], err: unknown): unknown {
		if (!isPermanent(err)) return err;
		const runId = events[0].runId;
		this.log.error(
			{ err, runId, events: events.length, firstSeq: events[0].seq, lastSeq: events.at(-1)!.seq },
			'the database refuses these run events: dropped'
		);
		this.settled(events);
		return undefined;
	}

	/** These events of one or more runs are stored (or given up): they leave the retry queue. */
	private settled(events: RunEvent[]): void {
		for (const group of byRun(events)) {
			const runId = group[0].runId;
			const run = this.live.get(runId);
			if (!run) continue;
			const upTo = group.at(-1)!.seq;
			const keep = run.unstored.findIndex((e) => e.seq > upTo);
			run.unstored = keep === -1 ? [] : run.unstored.slice(keep);
			if (run.lost) {
				this.log.warn(
					{ runId, ...run.lost },
					'run events stored again; the ones given up while storage was down are missing from the stored log'
				);
				run.lost = undefined;
			}
			if (run.closed && run.unstored.length === 0) this.live.delete(runId);
		}
	}

	private giveUpOldest(runId: string, run: LiveRun): void {
		const dropped = run.unstored.shift()!;
		if (!run.lost) {
			run.lost = { count: 0, firstSeq: dropped.seq, lastSeq: dropped.seq };
			this.log.error(
				{ runId, limit: this.options.maxUnstoredPerRun },
				'storage is still failing: giving up on this run’s oldest unstored events beyond the limit (live viewers still have them)'
			);
		}
		run.lost.count++;
		run.lost.lastSeq = dropped.seq;
	}

	private retryLater(err: unknown): void {
		this.failures++;
		const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (this.failures - 1));
		let unstored = 0;
		for (const run of this.live.values()) unstored += run.unstored.length;
		const fields = { err, unstored, attempt: this.failures, retryInMs: delay };
		if (this.failures === 1) this.log.error(fields, 'could not store run events: keeping them and retrying');
		else this.log.warn(fields, 'storing run events failed again: retrying');
		clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => {
			this.retryTimer = undefined;
			void this.flush();
		}, delay);
		this.retryTimer.unref(); // a shutdown is not held up by a database that is gone
	}
}
