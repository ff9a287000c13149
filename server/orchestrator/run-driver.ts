import type { Command } from '@langchain/langgraph';
import type { RunEventData, RunEventType } from '../../src/lib/contract/runs';
import type { Logger } from '../logger';
import type { EventLog } from './event-log';
import type { RunGraph } from './graph';
import { ActiveRunContext, withRunContext } from './run-context';
import type { RunsRepository } from './runs.repository';
import { settleRun, type Settlement } from './settle';
import type { RunStateType, RunStateUpdate } from './state';
import { TaskStreamTranslator, type TaskChunk } from './stream-events';

/**
 * What a run's graph is started with: a new run's state, a Command (resume after approval, go to a fork point), or
 * null (continue from the last checkpoint after a restart).
 */
export type RunInput = RunStateUpdate | Command | null;

/** How long a cancelled run waits for its nodes (llama.cpp noticing the abort, leases released) before it ends. */
const NODE_STOP_TIMEOUT_MS = 5_000;
/** A run's final row is written again after these pauses when the database fails (a restart, a blip). */
const FINAL_WRITE_RETRY_MS = [100, 500, 2_000] as const;

interface ActiveRun {
	roomId: string;
	controller: AbortController;
	modelId?: string;
	/** undefined: not cancelled; null: cancelled by the server (shutdown); a user id: cancelled by that member. */
	cancelledBy?: string | null;
	settled: Promise<void>;
	resolve(): void;
}

/**
 * Drives runs through the graph: streams each one, turns its task chunks into events, and records how it ends.
 * It owns the registry of runs in flight (for cancel and for the resource monitor's view of who uses which model).
 */
export class RunDriver {
	private readonly active = new Map<string, ActiveRun>();
	/** Closing without ending runs: another process continues them (a cluster's driver shutting down). */
	private detaching = false;

	constructor(private readonly deps: { graph: RunGraph; runs: RunsRepository; events: EventLog; logger: Logger }) {}

	/** Marks a run as in flight; the promise resolves when it stops moving (ended, or paused at the approval gate). */
	register(runId: string, roomId: string): Promise<void> {
		let resolve!: () => void;
		const settled = new Promise<void>((r) => (resolve = r));
		this.active.set(runId, { roomId, controller: new AbortController(), settled, resolve });
		return settled;
	}

	/** Drives a registered run in the background; whatever escapes (a database failing as the run ends) is logged, never left to crash the process. */
	launch(runId: string, input: RunInput, waitFor?: Promise<void>, options: { recovered?: boolean } = {}): void {
		this.drive(runId, input, waitFor, options).catch((err) => this.deps.logger.error({ err, runId }, 'run ended without a final record'));
	}

	isActive(runId: string): boolean {
		return this.active.has(runId);
	}

	activeCount(): number {
		return this.active.size;
	}

	/** Rooms using each model right now, for the router's swap penalty. */
	roomsByModel(): Record<string, string[]> {
		const out: Record<string, string[]> = {};
		for (const run of this.active.values()) if (run.modelId) (out[run.modelId] ??= []).push(run.roomId);
		return out;
	}

	/** Stops an active run (false when it is not active here). */
	abort(runId: string, by: string | null): boolean {
		const run = this.active.get(runId);
		if (!run) return false;
		run.cancelledBy = by;
		run.controller.abort(new Error(by === null ? 'shutdown' : 'cancelled'));
		return true;
	}

	settled(runId: string): Promise<void> {
		return this.active.get(runId)?.settled ?? Promise.resolve();
	}

	/**
	 * Stops every run. `detach`: they are not ended, only left (their events stored), for another driver to continue
	 * from their checkpoints; otherwise they end as cancelled by the shutdown.
	 */
	async close(options: { detach?: boolean } = {}): Promise<void> {
		this.detaching = options.detach ?? false;
		for (const runId of [...this.active.keys()]) {
			this.abort(runId, null);
			await this.settled(runId);
		}
	}

	/** Writes a run's end: its row, then its last event, then closes its log. */
	async finish(runId: string, s: Exclude<Settlement, { kind: 'waiting' }>): Promise<void> {
		const { events, runs } = this.deps;
		if (s.kind === 'answered') events.emit(runId, 'run.finished', { status: s.status, ...s.data });
		else if (s.kind === 'failed') events.emit(runId, 'run.failed', s.data);
		else events.emit(runId, 'run.cancelled', s.data);
		const status = s.kind === 'answered' ? s.status : s.kind;
		try {
			const row = { ...s.row, status, finished_at: Date.now(), ...(s.kind === 'failed' ? { error: s.data.error } : {}) };
			await withRetries(() => runs.update(runId, row), FINAL_WRITE_RETRY_MS);
		} finally {
			await events.close(runId); // the events are stored (or kept for retry) even when the row could not be written
		}
	}

	private async drive(runId: string, input: RunInput, waitFor: Promise<void> | undefined, options: { recovered?: boolean }) {
		const run = this.active.get(runId)!;
		const { controller } = run;
		const emit = <K extends RunEventType>(type: K, data: RunEventData[K]) => {
			if (type === 'model.loaded') run.modelId = (data as RunEventData['model.loaded']).modelId;
			this.deps.events.emit(runId, type, data);
		};
		const context = new ActiveRunContext(runId, run.roomId, controller.signal, emit);
		let settlement: Settlement;
		try {
			settlement = await this.execute(runId, run, input, context, waitFor, options);
		} catch (err) {
			await context.seal(NODE_STOP_TIMEOUT_MS); // an aborted stream ends before its nodes do: let them stop first
			if (controller.signal.aborted) {
				settlement = {
					kind: 'cancelled',
					row: {},
					data: { reason: run.cancelledBy === null ? 'server shutting down' : 'cancelled by a member', by: run.cancelledBy ?? null }
				};
			} else {
				this.deps.logger.error({ err, runId }, 'run failed');
				settlement = { kind: 'failed', row: {}, data: { error: 'The run failed unexpectedly', code: 'internal' } };
			}
		}
		try {
			if (this.detaching && controller.signal.aborted) {
				await this.deps.events.close(runId); // left for another driver, which numbers on from what is stored
				return;
			}
			// Written once, whatever happened above: a failing write here is logged by launch(), never retried as a second ending.
			if (settlement.kind === 'waiting') {
				await this.deps.runs.update(runId, settlement.row);
				await this.deps.events.flush();
			} else await this.finish(runId, settlement);
		} finally {
			// The context is sealed by now on every path (after the stream, or in the catch above).
			this.active.delete(runId);
			run.resolve();
		}
	}

	/** Streams the graph to its end and decides how the run settles. */
	private async execute(
		runId: string,
		run: ActiveRun,
		input: RunInput,
		context: ActiveRunContext,
		waitFor: Promise<void> | undefined,
		options: { recovered?: boolean }
	): Promise<Settlement> {
		const { controller } = run;
		if (waitFor) await untilStartOrCancel(waitFor, controller.signal);
		// Not awaited: the row update runs while the graph starts (awaited before the final update).
		const marked = this.deps.runs.update(runId, { status: 'running', started_at: Date.now() });
		marked.catch((err) => this.deps.logger.error({ err, runId }, 'could not mark run as running'));
		context.emit('run.started', options.recovered ? { recovered: true } : {});
		const translator = new TaskStreamTranslator();
		const config = { ...withRunContext(runId, context), streamMode: ['tasks'], signal: controller.signal };
		const stream = (await this.deps.graph.stream(input as never, config as never)) as AsyncIterable<[string, TaskChunk]>;
		for await (const [, task] of stream) for (const e of translator.translate(task)) context.emit(e.type, e.data as never);
		await marked.catch(() => {});
		await context.seal(NODE_STOP_TIMEOUT_MS);
		const state = await this.deps.graph.getState({ configurable: { thread_id: runId } });
		return settleRun(state.values as RunStateType, {
			interrupted: state.tasks.some((t) => t.interrupts.length > 0),
			aborted: controller.signal.aborted,
			cancelledBy: run.cancelledBy
		});
	}
}

/** Tries `write`, then again after each delay; the last failure is thrown. */
async function withRetries(write: () => Promise<void>, delaysMs: readonly number[]): Promise<void> {
	for (const delay of delaysMs) {
		try {
			return await write();
		} catch {
			await new Promise((r) => setTimeout(r, delay));
		}
	}
	return write();
}

/** Waits for the room's earlier runs; a cancel while waiting ends the wait with an error. */
function untilStartOrCancel(waitFor: Promise<void>, signal: AbortSignal): Promise<void> {
	if (signal.aborted) return Promise.reject(new Error('cancelled'));
	return new Promise<void>((resolve, reject) => {
		const onAbort = () => reject(new Error('cancelled'));
		signal.addEventListener('abort', onAbort, { once: true });
		waitFor.then(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		});
	});
}
