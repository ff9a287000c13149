// Every run of one room, kept live: run:event applied per run in seq order, gaps and run:resync caught up with
// run:replay, seeded from each room:join snapshot (so a reload or a reconnect picks up where the room is), and the
// steering commands (start, cancel, resume, fork) as promises of their ack.
import type { RoomRunEvent, RoomSnapshot } from '../contract/live';
import type { AppError, Result } from '../contract/result';
import type { ApprovalDecision, ForkRequest, RunEvent, RunSummary } from '../contract/runs';
import { RunView } from './run-view.svelte';
import type { AppSocket } from './socket';

export type RunSocket = Pick<AppSocket, 'on' | 'off' | 'emit' | 'connected'>;

export interface RoomRunsOptions {
	/** Called once per event that became part of a run's view (live or replayed), in seq order. */
	onEvent?: (event: RunEvent, view: RunView) => void;
}

type StartExtras = { prompt?: string; compareModelIds?: string[] };

export class RoomRuns {
	/** Known runs by id (class instances: each keeps its own reactive state). */
	runs = $state<Record<string, RunView>>({});
	/** Run ids, newest first. */
	order = $state<string[]>([]);
	/** The run the room shows; follows each new run while `following`. */
	focusedId = $state<string | null>(null);
	following = $state(true);
	/** The last refused command, for a toast. */
	error = $state<AppError | null>(null);

	readonly #socket: RunSocket;
	readonly #roomId: string;
	readonly #options: RoomRunsOptions;
	/** Runs with a replay in flight; `again` asks for one more round when it lands. */
	#replaying = new Map<string, { token: number; again: boolean }>();
	#replayToken = 0;

	constructor(socket: RunSocket, roomId: string, options: RoomRunsOptions = {}) {
		this.#socket = socket;
		this.#roomId = roomId;
		this.#options = options;
		socket.on('run:event', this.#onEvent);
		socket.on('run:resync', this.#onResync);
		socket.on('disconnect', this.#onDisconnect);
	}

	destroy() {
		this.#socket.off('run:event', this.#onEvent);
		this.#socket.off('run:resync', this.#onResync);
		this.#socket.off('disconnect', this.#onDisconnect);
	}

	get focused(): RunView | null {
		return this.focusedId ? (this.runs[this.focusedId] ?? null) : null;
	}

	/** Runs not yet finished, newest first. */
	get active(): RunView[] {
		return this.order.map((id) => this.runs[id]).filter((r) => r && r.active);
	}

	/**
	 * A queued run's place in the room's queue: 1 + the unfinished runs that entered before it and still hold the
	 * room (running or queued; a run parked at approval lets the next one start). Null unless it is queued.
	 */
	queuePlace(runId: string): { place: number; ahead: number } | null {
		const run = this.runs[runId];
		if (!run || run.status !== 'queued') return null;
		const entered = run.createdAt ?? Infinity;
		const mine = this.order.indexOf(runId);
		// Runs entered in the same millisecond: `order` lists the one that arrived first after the other (older).
		const before = (r: RunView) => (r.createdAt ?? Infinity) < entered || (r.createdAt === entered && this.order.indexOf(r.id) > mine);
		const ahead = this.active.filter((r) => r.id !== runId && (r.status === 'running' || r.status === 'queued') && before(r)).length;
		return { place: ahead + 1, ahead };
	}

	/** The run Esc cancels: the focused one when it is still going, else the newest that is. */
	get cancellable(): RunView | null {
		const f = this.focused;
		return f?.active ? f : (this.active[0] ?? null);
	}

	focus(runId: string | null, follow = runId === null) {
		this.focusedId = runId;
		this.following = follow;
	}

	/**
	 * Applies a room:join snapshot (first join and every rejoin after a reconnect): active runs are replayed from
	 * where this view stands (0 for new ones), and runs we saw going but that are no longer active catch up on how
	 * they ended. With nothing focused yet, the newest active run (else the latest finished one) is shown.
	 */
	seed(snapshot: Pick<RoomSnapshot, 'activeRuns' | 'recentRuns'>) {
		const activeIds = new Set(snapshot.activeRuns.map((r) => r.id));
		for (const run of [...snapshot.activeRuns].sort((a, b) => a.createdAt - b.createdAt)) {
			// We saw more of this run than the server has: it restarted and lost events it had not stored yet; its
			// run continues from the stored ones, so this view is rebuilt from the log.
			if ((this.runs[run.id]?.lastSeq ?? 0) > run.lastSeq) this.#forget(run.id, false);
			this.replay(this.#ensure(run.id, run).id);
		}
		for (const view of Object.values(this.runs)) if (view.active && !activeIds.has(view.id)) this.replay(view.id);
		if (!this.focusedId || !this.runs[this.focusedId]) {
			const newest = [...snapshot.activeRuns].sort((a, b) => b.createdAt - a.createdAt)[0] ?? snapshot.recentRuns[0];
			if (newest) {
				const view = this.#ensure(newest.id, newest);
				if (view.lastSeq === 0) this.replay(view.id);
				this.focusedId = view.id;
			}
		}
	}

	/**
	 * Asks the server for a run's events after the last one applied; one request per run at a time. `again` (a
	 * resync) asks for one more round when a request is already in flight; a gap that remains is asked for anyway.
	 */
	replay(runId: string, again = false) {
		const inFlight = this.#replaying.get(runId);
		if (inFlight) {
			inFlight.again ||= again;
			return;
		}
		const view = this.#ensure(runId);
		if (!this.#socket.connected) return; // the next join's snapshot triggers it
		const request = { token: ++this.#replayToken, again: false };
		this.#replaying.set(runId, request);
		this.#socket.emit('run:replay', { runId, afterSeq: view.lastSeq }, (result) => {
			if (this.#replaying.get(runId)?.token !== request.token) return; // from a dropped connection
			this.#replaying.delete(runId);
			if (!result.ok) {
				if (result.error.code === 'not_found') this.#forget(runId);
				return;
			}
			for (const event of result.data.events) view.apply(event);
			if (request.again || view.hasGap) this.replay(runId);
		});
	}

	/** Runs the room's shared draft (what everyone sees in the editor) with its shared settings. */
	start(extras: StartExtras = {}): Promise<Result<RunSummary>> {
		return this.#command('run:start', { roomId: this.#roomId, ...extras }, (run) => {
			this.#ensure(run.id, run);
			this.focus(run.id, true);
		});
	}

	cancel(runId: string): Promise<Result<RunSummary>> {
		return this.#command('run:cancel', { runId });
	}

	resume(runId: string, decision: ApprovalDecision): Promise<Result<RunSummary>> {
		return this.#command('run:resume', { runId, decision });
	}

	fork(runId: string, request: ForkRequest): Promise<Result<RunSummary>> {
		return this.#command('run:fork', { runId, ...request }, (run) => {
			this.#ensure(run.id, run);
			this.focus(run.id, true);
		});
	}

	#command(
		event: 'run:start' | 'run:cancel' | 'run:resume' | 'run:fork',
		payload: object,
		onOk?: (run: RunSummary) => void
	): Promise<Result<RunSummary>> {
		return new Promise((resolve) => {
			if (!this.#socket.connected) {
				const error = { code: 'internal' as const, message: 'Offline: reconnecting…' };
				this.error = error;
				resolve({ ok: false, error });
				return;
			}
			const ack = (result: Result<RunSummary>) => {
				this.error = result.ok ? null : result.error;
				if (result.ok) onOk?.(result.data);
				resolve(result);
			};
			(this.#socket.emit as (e: string, p: unknown, a: typeof ack) => void)(event, payload, ack);
		});
	}

	#ensure(runId: string, summary?: RunSummary): RunView {
		let view = this.runs[runId];
		if (!view) {
			view = summary ? RunView.fromSummary(summary) : new RunView(runId);
			const created = view;
			view.onApplied = (event) => this.#options.onEvent?.(event, created);
			this.runs[runId] = view;
			const createdAt = summary?.createdAt ?? Date.now();
			// Newest first: a run learned late (an older one from a snapshot) goes after newer ones.
			const at = this.order.findIndex((id) => (this.runs[id]?.createdAt ?? Infinity) < createdAt);
			if (at === -1) this.order.push(runId);
			else this.order.splice(at, 0, runId);
		}
		return view;
	}

	#forget(runId: string, unfocus = true) {
		delete this.runs[runId];
		this.order = this.order.filter((id) => id !== runId);
		if (unfocus && this.focusedId === runId) this.focusedId = null;
	}

	#onEvent = (event: RoomRunEvent) => {
		if (event.roomId !== this.#roomId) return;
		const known = !!this.runs[event.runId];
		let view = this.#ensure(event.runId);
		if (!known && event.type === 'run.queued') view.createdAt = event.ts;
		if (rewritesLog(view, event)) {
			// Another process took the run over (its driver died) and numbers on from the events that were stored:
			// what we saw after them is gone, so the view is rebuilt from the log.
			this.#forget(event.runId, false);
			view = this.#ensure(event.runId);
			this.replay(event.runId);
		}
		if (view.apply(event) === 'gap') this.replay(event.runId);
		if (!known && this.following && event.type === 'run.queued') this.focusedId = event.runId;
	};

	#onResync = ({ runId }: { runId: string }) => {
		if (this.runs[runId]) this.replay(runId, true);
	};

	#onDisconnect = () => {
		// Acks of a dropped connection never come: the rejoin's snapshot replays what is needed.
		this.#replaying.clear();
	};
}

/** A recovered start numbered at or before what the view already holds, and not the one it applied: the log was rewritten from there. */
function rewritesLog(view: RunView, event: RoomRunEvent): boolean {
	return event.type === 'run.started' && event.data.recovered === true && event.seq <= view.lastSeq && view.recoveredSeq !== event.seq;
}
