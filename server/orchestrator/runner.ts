import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import {
	TERMINAL_STATUSES,
	runRequestSchema,
	type ApprovalDecision,
	type ForkRequest,
	type NodeName,
	type RunEvent,
	type RunRequest,
	type RunStatus,
	type RunSummary
} from '../../src/lib/contract/runs';
import { randomToken } from '../auth/tokens';
import type { Logger } from '../logger';
import type { ChatMessage } from '../models/executor';
import type { ModelService } from '../models/service';
import type { RunBus } from './bus';
import { snapshotBefore } from './checkpoints';
import { EventLog } from './event-log';
import { buildRunGraph, type GraphDeps, type RunGraph } from './graph';
import type { RunPolicy } from './room-queue';
import { RunDriver } from './run-driver';
import { memoryScheduler, toRunInput, type RunScheduler, type RunStart, type ScheduledRun } from './scheduler';
import type { RunsRepository } from './runs.repository';
import { initialRunState, type RunStateType } from './state';

/** How often a run driven elsewhere is checked in storage, and how long a cancel waits for that driver. */
const SETTLE_POLL_MS = 100;
const REMOTE_CANCEL_WAIT_MS = 8_000;

export interface StartRunInput {
	roomId: string;
	authorId: string;
	request: RunRequest;
	/** Earlier turns supplied by an API caller instead of the room's history. */
	conversation?: ChatMessage[];
	/** 'queue' (default): wait until the room's earlier runs stop moving; 'parallel': start at once. */
	policy?: RunPolicy;
}

export interface OrchestratorDeps {
	runs: RunsRepository;
	bus: RunBus;
	models: ModelService;
	checkpointer: BaseCheckpointSaver;
	logger: Logger;
	classifierModelId?: string;
	summaryModelId?: string;
	/** Where runs are driven; in this process when absent. A cluster passes its BullMQ scheduler (server/cluster). */
	scheduler?: (hooks: SchedulerHooks) => RunScheduler;
	/** The graph's model capabilities, when they are not this process's model cache (a cluster's workers). */
	nodeDeps?: (local: { activeRuns(): number; roomsByModel(): Record<string, string[]> }) => GraphDeps['override'];
}

export interface SchedulerHooks {
	drive: DriveScheduled;
	/** Stops the run if this process drives it (false when it does not). */
	abort(runId: string, by: string | null): boolean;
}

/** Drives one scheduled run here and resolves when it stops moving; `waitTurn` holds it behind the room's earlier runs. */
export type DriveScheduled = (
	run: ScheduledRun,
	options: { redelivered: boolean; waitTurn?: (stop: AbortSignal) => Promise<void> }
) => Promise<void>;

/**
 * The command API for runs: start, cancel, resume, fork, follow. Each run is one LangGraph thread (thread_id = run
 * id) driven by RunDriver; the room queue orders runs, the event log numbers their events. Who may do what is the
 * runs service's concern (server/runs), not this one's.
 */
export class Orchestrator {
	private readonly graph: RunGraph;
	private readonly driver: RunDriver;
	private readonly scheduler: RunScheduler;
	readonly events: EventLog;

	constructor(private readonly deps: OrchestratorDeps) {
		this.events = new EventLog(deps.runs, deps.bus, deps.logger);
		this.graph = buildRunGraph(
			{
				models: deps.models,
				runs: deps.runs,
				classifierModelId: deps.classifierModelId,
				summaryModelId: deps.summaryModelId,
				activeRuns: () => this.driver.activeCount(),
				roomsByModel: () => this.driver.roomsByModel(),
				override: deps.nodeDeps?.({ activeRuns: () => this.driver.activeCount(), roomsByModel: () => this.driver.roomsByModel() })
			},
			deps.checkpointer
		);
		this.driver = new RunDriver({ graph: this.graph, runs: deps.runs, events: this.events, logger: deps.logger });
		this.scheduler = deps.scheduler
			? deps.scheduler({ drive: (run, options) => this.driveScheduled(run, options), abort: (runId, by) => this.driver.abort(runId, by) })
			: memoryScheduler(this.driver);
	}

	/** Runs can be driven by another process (a cluster): cancel and waits then go through the database. */
	get distributed(): boolean {
		return this.scheduler.distributed;
	}

	async start(input: StartRunInput): Promise<RunSummary> {
		const runId = randomToken();
		await this.record(runId, input, null, null);
		await this.launch(
			runId,
			input.roomId,
			{ kind: 'state', state: initialRunState(runId, input.roomId, input.request, input.conversation ?? null) },
			input.policy ?? 'queue'
		);
		return (await this.deps.runs.get(runId))!;
	}

	/** Runs of a room that have not finished (queued, running, waiting for approval). */
	async unfinished(roomId: string): Promise<RunSummary[]> {
		return this.deps.runs.listUnfinished(roomId);
	}

	/** Resolves when the run stops moving: finished, failed, cancelled or waiting for approval. */
	async waitForRun(runId: string) {
		if (this.distributed && !this.driver.isActive(runId)) return this.settledInStorage(runId);
		await this.driver.settled(runId);
		return this.deps.runs.get(runId);
	}

	/** Another process drives the run: its row says when it stops moving. */
	private async settledInStorage(runId: string, timeoutMs = Number.POSITIVE_INFINITY) {
		const until = Date.now() + timeoutMs;
		for (;;) {
			const run = await this.deps.runs.get(runId);
			if (!run || (run.status !== 'queued' && run.status !== 'running') || Date.now() > until) return run;
			await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
		}
	}

	async cancel(runId: string, by: string | null): Promise<Result<RunSummary>> {
		const run = await this.deps.runs.get(runId);
		if (!run) return fail('not_found', 'No such run');
		if (TERMINAL_STATUSES.includes(run.status))
			return fail('conflict', `The run already ${run.status === 'succeeded' ? 'finished' : run.status.replace('_', ' ')}`);
		if (!this.driver.abort(runId, by) && this.scheduler.requestCancel && run.status !== 'waiting_approval') {
			// Another process may drive it: ask the cluster, and end it here only if nobody had it.
			await this.scheduler.requestCancel(runId, by);
			const after = await this.settledInStorage(runId, REMOTE_CANCEL_WAIT_MS);
			if (after && after.status !== 'queued') return ok(after);
		}
		if (!this.driver.isActive(runId)) {
			// Waiting for approval (or left over from a previous process): nothing is executing, end it here.
			this.events.open(runId, run.roomId, await this.deps.runs.lastSeq(runId));
			await this.driver.finish(runId, { kind: 'cancelled', row: {}, data: { reason: 'cancelled by a member', by } });
		}
		await this.driver.settled(runId);
		return ok((await this.deps.runs.get(runId))!);
	}

	/** Answers a run's approval gate; the run then waits its turn in the room like any other. */
	async resume(runId: string, by: string, decision: ApprovalDecision, policy: RunPolicy = 'queue'): Promise<Result<RunSummary>> {
		const run = await this.deps.runs.get(runId);
		if (!run) return fail('not_found', 'No such run');
		if (run.status !== 'waiting_approval' || this.driver.isActive(runId)) return fail('conflict', 'The run is not waiting for approval');
		this.events.open(runId, run.roomId, await this.deps.runs.lastSeq(runId));
		this.events.emit(runId, 'run.resumed', { by, decision });
		await this.deps.runs.update(runId, { approval_by: by });
		await this.launch(runId, run.roomId, { kind: 'resume', decision }, policy);
		return ok((await this.deps.runs.get(runId))!);
	}

	/** A new run that starts at `node` of a past run, with that point's state plus the edits. */
	async fork(parentId: string, authorId: string, edits: ForkRequest, policy: RunPolicy = 'queue'): Promise<Result<RunSummary>> {
		const parent = await this.deps.runs.get(parentId);
		if (!parent) return fail('not_found', 'No such run');
		const snapshot = await snapshotBefore(this.graph, parentId, edits.node);
		if (!snapshot) return fail('bad_request', `Run ${parentId} never reached ${edits.node}`);
		const values = snapshot.values as RunStateType;
		const request: RunRequest = {
			...values.request,
			prompt: edits.prompt ?? values.request.prompt,
			modelId: edits.modelId ?? values.request.modelId,
			sampling: { ...values.request.sampling, ...edits.sampling }
		};
		const runId = randomToken();
		await this.record(runId, { roomId: parent.roomId, authorId, request }, parentId, edits.node);
		const { tried: _tried, skipped: _skipped, ...rest } = values;
		await this.graph.updateState(
			{ configurable: { thread_id: runId } },
			{
				...rest,
				runId,
				request,
				prompt: request.prompt,
				modelId: edits.modelId ?? values.modelId,
				sampling: request.sampling,
				attempt: 1,
				outcome: null,
				decision: null,
				rejected: false
			},
			'summarizer' // the last node: nothing is scheduled, the Command below says where to go
		);
		await this.launch(runId, parent.roomId, { kind: 'goto', node: edits.node }, policy);
		return ok((await this.deps.runs.get(runId))!);
	}

	get = (runId: string) => this.deps.runs.get(runId);

	/** Runs executing now (not counting runs parked at an approval gate). */
	activeCount(): number {
		return this.driver.activeCount();
	}

	/** Every event of a run after `afterSeq`, exactly once and in order (see EventLog.follow). */
	follow(runId: string, afterSeq: number, onEvent: (event: RunEvent) => void): Promise<() => void> {
		return this.events.follow(runId, afterSeq, onEvent);
	}

	/** Runs a previous process left queued or running (it stopped or crashed), oldest first; those at the approval gate wait as they are. */
	async interrupted(): Promise<RunSummary[]> {
		return (await this.deps.runs.listUnfinished()).filter((r) => r.status !== 'waiting_approval');
	}

	/**
	 * Continues a run a previous process left unfinished: from its last checkpoint when it had started (the node
	 * that was running starts over), from its stored request when it was still queued. Its events continue after
	 * the last stored one; a run whose request cannot be read is ended as failed.
	 */
	async recover(runId: string, policy: RunPolicy): Promise<void> {
		const run = await this.deps.runs.get(runId);
		if (!run) return;
		const lastSeq = await this.deps.runs.lastSeq(runId);
		const last = (await this.deps.runs.eventsAfter(runId, lastSeq - 1)).at(-1);
		if (last && endingStatus(last)) {
			// It ended, but the process stopped before its row said so: the row catches up with the log.
			await this.deps.runs.update(runId, { status: endingStatus(last)!, finished_at: last.ts });
			return;
		}
		this.events.open(runId, run.roomId, lastSeq);
		const start = await this.continuation(run);
		if (start) return this.launch(runId, run.roomId, start, policy, { recovered: true });
		await this.driver.finish(runId, {
			kind: 'failed',
			row: {},
			data: { error: 'The server restarted and this run could not be continued', code: 'interrupted' }
		});
	}

	async close(): Promise<void> {
		await this.scheduler.close();
		// In a cluster, runs in flight are left to another driver (their jobs come back to the queue), not cancelled.
		await this.driver.close({ detach: this.scheduler.distributed });
		await this.events.flush();
	}

	/**
	 * How an interrupted run continues: from its last checkpoint once it has one, from its request while queued or
	 * when it stopped before its first checkpoint was written (checkpoints are written behind the run).
	 */
	private async continuation(run: RunSummary & { request: string }): Promise<RunStart | undefined> {
		const checkpoint = await this.graph.getState({ configurable: { thread_id: run.id } });
		if (checkpoint.next.length > 0) return { kind: 'checkpoint' };
		const neverCheckpointed = !checkpoint.config?.configurable?.checkpoint_id;
		const request = runRequestSchema.safeParse(JSON.parse(run.request));
		if (!request.success || (run.status !== 'queued' && !neverCheckpointed)) return undefined;
		return { kind: 'state', state: initialRunState(run.id, run.roomId, request.data, null) };
	}

	private async launch(runId: string, roomId: string, start: RunStart, policy: RunPolicy, options: { recovered?: boolean } = {}) {
		// Another process may drive it: what this one numbered must be stored before that one numbers on.
		if (this.scheduler.distributed) await this.events.close(runId);
		await this.scheduler.schedule({ runId, roomId, policy, start, recovered: options.recovered });
	}

	/** A cluster driver took this run's job (again, after a driver died, when `redelivered`). */
	private async driveScheduled(run: ScheduledRun, options: { redelivered: boolean; waitTurn?: (stop: AbortSignal) => Promise<void> }) {
		const row = await this.deps.runs.get(run.runId);
		if (!row || TERMINAL_STATUSES.includes(row.status)) return;
		if (row.status === 'waiting_approval' && run.start.kind !== 'resume') return; // it reached the gate before its driver died
		this.events.open(run.runId, run.roomId, await this.deps.runs.lastSeq(run.runId));
		let start: RunStart | undefined = run.start;
		if (options.redelivered) {
			start = await this.continuation(row);
			if (!start) {
				await this.driver.finish(run.runId, {
					kind: 'failed',
					row: {},
					data: { error: 'The process driving this run stopped and the run could not be continued', code: 'interrupted' }
				});
				return;
			}
		}
		const settled = this.driver.register(run.runId, run.roomId);
		const stop = new AbortController();
		this.driver.launch(run.runId, toRunInput(start), options.waitTurn?.(stop.signal), { recovered: options.redelivered || run.recovered });
		await settled.finally(() => stop.abort());
	}

	private async record(runId: string, input: Omit<StartRunInput, 'policy'>, parentRunId: string | null, forkedFromNode: NodeName | null) {
		await this.deps.runs.insert({
			id: runId,
			room_id: input.roomId,
			author_id: input.authorId,
			mode: input.request.mode,
			prompt: input.request.prompt,
			request: JSON.stringify(input.request),
			status: 'queued',
			model_id: input.request.modelId ?? null,
			task: null,
			title: null,
			summary: null,
			answer: null,
			parent_run_id: parentRunId,
			forked_from_node: forkedFromNode,
			approval_by: null,
			metrics: null,
			error: null,
			last_seq: 0,
			created_at: Date.now(),
			started_at: null,
			finished_at: null
		});
		this.events.open(runId, input.roomId);
		this.events.emit(runId, 'run.queued', {
			roomId: input.roomId,
			mode: input.request.mode,
			prompt: input.request.prompt,
			authorId: input.authorId,
			parentRunId,
			forkedFromNode
		});
	}
}

/** The status a run's ending event records; undefined for any other event. */
function endingStatus(event: RunEvent): RunStatus | undefined {
	if (event.type === 'run.finished') return event.data.status;
	if (event.type === 'run.failed') return 'failed';
	if (event.type === 'run.cancelled') return 'cancelled';
	return undefined;
}
