import { Command } from '@langchain/langgraph';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import {
	NODE_NAMES,
	TERMINAL_STATUSES,
	type ApprovalDecision,
	type NodeName,
	type RunEvent,
	type RunEventData,
	type RunEventType,
	type RunRequest,
	type RunSummary
} from '../../src/lib/contract/runs';
import { randomToken } from '../auth/tokens';
import type { Logger } from '../logger';
import type { ChatMessage } from '../models/executor';
import type { ModelService } from '../models/service';
import type { RunBus } from './bus';
import { EventLog } from './event-log';
import { buildRunGraph, type RunGraph } from './graph';
import { compactOutput } from './node-output';
import { ActiveRunContext, RunContexts } from './run-context';
import type { RunsRepository } from './runs.repository';
import type { RunStateType, RunStateUpdate } from './state';

export interface StartRunInput {
	roomId: string;
	authorId: string;
	request: RunRequest;
	/** Earlier turns supplied by an API caller instead of the room's history. */
	conversation?: ChatMessage[];
	/** 'queue' (default): wait until the room's earlier runs stop moving; 'parallel': start at once. */
	policy?: 'queue' | 'parallel';
}

export interface ForkInput {
	node: NodeName;
	prompt?: string;
	modelId?: string;
	sampling?: RunRequest['sampling'];
}

/** How long a cancelled run waits for its nodes (llama.cpp noticing the abort, leases released) before it ends. */
const NODE_STOP_TIMEOUT_MS = 5_000;

interface ActiveRun {
	roomId: string;
	controller: AbortController;
	modelId?: string;
	cancelledBy?: string | null;
}

/**
 * Starts, steers and records runs. Each run is one LangGraph thread (thread_id = run id); every step becomes
 * numbered events on the event log, and the runs table keeps the run's current status and results.
 */
export class Orchestrator {
	private readonly graph: RunGraph;
	private readonly contexts = new RunContexts();
	private readonly active = new Map<string, ActiveRun>();
	private readonly settled = new Map<string, { resolve: () => void; promise: Promise<void> }>();
	/** Per room, the promise the next queued run waits for. */
	private readonly roomTails = new Map<string, Promise<void>>();
	readonly events: EventLog;

	constructor(
		private readonly deps: {
			runs: RunsRepository;
			bus: RunBus;
			models: ModelService;
			checkpointer: import('@langchain/langgraph').BaseCheckpointSaver;
			logger: Logger;
			classifierModelId?: string;
			summaryModelId?: string;
		}
	) {
		this.events = new EventLog(deps.runs, deps.bus, deps.logger);
		this.graph = buildRunGraph(
			{
				models: deps.models,
				runs: deps.runs,
				contexts: this.contexts,
				classifierModelId: deps.classifierModelId,
				summaryModelId: deps.summaryModelId,
				activeRuns: () => this.active.size,
				roomsByModel: () => {
					const out: Record<string, string[]> = {};
					for (const run of this.active.values()) if (run.modelId) (out[run.modelId] ??= []).push(run.roomId);
					return out;
				}
			},
			deps.checkpointer
		);
	}

	async start(input: StartRunInput): Promise<RunSummary> {
		const runId = randomToken();
		await this.record(runId, input, null, null);
		const initial: RunStateUpdate = {
			runId,
			roomId: input.roomId,
			mode: input.request.mode,
			prompt: input.request.prompt,
			request: input.request,
			conversation: input.conversation ?? null,
			analysis: null,
			history: null,
			resources: null,
			routing: null,
			decision: null,
			rejected: false,
			modelId: input.request.modelId ?? null,
			sampling: input.request.sampling,
			attempt: 1,
			answer: null,
			compare: [],
			validation: null,
			outcome: null,
			summary: null,
			error: null
		};
		const waitFor = input.policy === 'parallel' ? undefined : this.roomTails.get(input.roomId);
		this.launch(runId, input.roomId, initial, waitFor);
		if (input.policy !== 'parallel') {
			const tail = this.settled.get(runId)!.promise;
			this.roomTails.set(input.roomId, tail);
			void tail.then(() => {
				if (this.roomTails.get(input.roomId) === tail) this.roomTails.delete(input.roomId);
			});
		}
		return (await this.deps.runs.get(runId))!;
	}

	/** Runs of a room that have not finished (queued, running, waiting for approval). */
	async unfinished(roomId: string): Promise<RunSummary[]> {
		return this.deps.runs.listUnfinished(roomId);
	}

	/** Resolves when the run stops moving: finished, failed, cancelled or waiting for approval. */
	async waitForRun(runId: string) {
		await this.settled.get(runId)?.promise;
		return this.deps.runs.get(runId);
	}

	async cancel(runId: string, by: string | null): Promise<Result<RunSummary>> {
		const run = await this.deps.runs.get(runId);
		if (!run) return fail('not_found', 'No such run');
		if (TERMINAL_STATUSES.includes(run.status)) return fail('conflict', `The run already ${run.status === 'succeeded' ? 'finished' : run.status}`);
		const active = this.active.get(runId);
		if (active) {
			active.cancelledBy = by;
			active.controller.abort(new Error('cancelled'));
			await this.waitForRun(runId);
		} else {
			// Waiting for approval (or left over from a previous process): nothing is executing, end it here.
			this.events.open(runId, run.roomId, await this.deps.runs.lastSeq(runId));
			await this.finish(runId, 'cancelled', { reason: 'cancelled by a member', by });
		}
		return ok((await this.deps.runs.get(runId))!);
	}

	async resume(runId: string, by: string, decision: ApprovalDecision): Promise<Result<RunSummary>> {
		const run = await this.deps.runs.get(runId);
		if (!run) return fail('not_found', 'No such run');
		if (run.status !== 'waiting_approval' || this.active.has(runId)) return fail('conflict', 'The run is not waiting for approval');
		if (decision.action === 'override' && decision.modelId && !this.deps.models.spec(decision.modelId)) {
			return fail('bad_request', `Model ${decision.modelId} is not available here`);
		}
		this.events.open(runId, run.roomId, await this.deps.runs.lastSeq(runId));
		this.events.emit(runId, 'run.resumed', { by, decision });
		await this.deps.runs.update(runId, { approval_by: by });
		this.launch(runId, run.roomId, new Command({ resume: decision }));
		return ok((await this.deps.runs.get(runId))!);
	}

	/** A new run that starts at `node` of a past run, with that point's state plus the edits. */
	async fork(parentId: string, authorId: string, edits: ForkInput): Promise<Result<RunSummary>> {
		const parent = await this.deps.runs.get(parentId);
		if (!parent) return fail('not_found', 'No such run');
		const snapshot = await this.snapshotBefore(parentId, edits.node);
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
		const config = { configurable: { thread_id: runId } };
		const { tried: _tried, skipped: _skipped, ...rest } = values;
		await this.graph.updateState(
			config,
			{ ...rest, runId, request, prompt: request.prompt, modelId: edits.modelId ?? values.modelId, sampling: request.sampling, attempt: 1, outcome: null, decision: null, rejected: false },
			'summarizer' // the last node: nothing is scheduled, the Command below says where to go
		);
		this.launch(runId, parent.roomId, new Command({ goto: edits.node }));
		return ok((await this.deps.runs.get(runId))!);
	}

	get = (runId: string) => this.deps.runs.get(runId);

	/** Runs executing now (not counting runs parked at an approval gate). */
	activeCount(): number {
		return this.active.size;
	}

	/** Every event of a run after `afterSeq`, exactly once and in order (see EventLog.follow). */
	follow(runId: string, afterSeq: number, onEvent: (event: RunEvent) => void): Promise<() => void> {
		return this.events.follow(runId, afterSeq, onEvent);
	}

	/** Ends runs a previous process left unfinished (their execution died with it). */
	async recoverInterrupted(): Promise<void> {
		for (const run of await this.deps.runs.listUnfinished()) {
			if (run.status === 'waiting_approval') continue; // still resumable: its checkpoint is stored
			this.events.open(run.id, run.roomId, await this.deps.runs.lastSeq(run.id));
			await this.finish(run.id, 'failed', { error: 'The server restarted while this run was executing', code: 'interrupted' });
		}
	}

	async close(): Promise<void> {
		for (const [runId, run] of this.active) {
			run.cancelledBy = null;
			run.controller.abort(new Error('shutdown'));
			await this.settled.get(runId)?.promise;
		}
		await this.events.flush();
	}

	// ── internals ──────────────────────────────────────────────────────────────────────────────────────────────

	private async record(runId: string, input: StartRunInput, parentRunId: string | null, forkedFromNode: NodeName | null) {
		const now = Date.now();
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
			created_at: now,
			started_at: null,
			finished_at: null
		});
		this.events.open(runId, input.roomId);
		this.events.emit(runId, 'run.queued', { roomId: input.roomId, mode: input.request.mode, prompt: input.request.prompt, authorId: input.authorId, parentRunId });
	}

	/** Drives a run in the background; whatever escapes drive() (a database that fails while the run ends) is logged, never left to crash the process. */
	private launch(runId: string, roomId: string, input: RunStateUpdate | Command, waitFor?: Promise<void>): void {
		this.drive(runId, roomId, input, waitFor).catch((err) => this.deps.logger.error({ err, runId }, 'run ended without a final record'));
	}

	private async drive(runId: string, roomId: string, input: RunStateUpdate | Command, waitFor?: Promise<void>) {
		const controller = new AbortController();
		const active: ActiveRun = { roomId, controller };
		this.active.set(runId, active);
		let resolveSettled!: () => void;
		const promise = new Promise<void>((r) => (resolveSettled = r));
		this.settled.set(runId, { resolve: resolveSettled, promise });
		const emit = <K extends RunEventType>(type: K, data: RunEventData[K]) => {
			if (type === 'model.loaded') active.modelId = (data as RunEventData['model.loaded']).modelId;
			this.events.emit(runId, type, data);
		};
		const context = new ActiveRunContext(runId, roomId, controller.signal, emit);
		this.contexts.set(context);
		const started = new Map<string, number>();
		try {
			if (waitFor) {
				// Queued behind the room's earlier runs; a cancel while waiting ends the run here.
				const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true }));
				aborted.catch(() => {}); // also rejects when cancelled later, mid-run: nobody waits on it then
				await Promise.race([waitFor, aborted]);
			}
			// Not awaited: the row update runs while the graph starts (settle() awaits it before the final update).
			const marked = this.deps.runs.update(runId, { status: 'running', started_at: Date.now() });
			marked.catch((err) => this.deps.logger.error({ err, runId }, 'could not mark run as running'));
			emit('run.started', {});
			const config = { configurable: { thread_id: runId }, streamMode: ['tasks'], signal: controller.signal };
			const stream = (await this.graph.stream(input as never, config as never)) as AsyncIterable<[string, unknown]>;
			for await (const [, task] of stream) {
				const t = task as { id: string; name: string; result?: RunStateUpdate; interrupts?: { value: unknown }[]; error?: unknown; input?: unknown };
				if (!NODE_NAMES.includes(t.name as NodeName)) continue;
				const node = t.name as NodeName;
				if (!('result' in t) && !('error' in t && t.error)) {
					started.set(t.id, performance.now());
					emit('node.started', { node });
					continue;
				}
				const ms = Math.round((performance.now() - (started.get(t.id) ?? performance.now())) * 10) / 10;
				if (t.interrupts?.length) {
					const value = t.interrupts[0].value as RunEventData['run.interrupted'];
					emit('run.interrupted', { kind: 'approval', modelId: value.modelId, reasons: value.reasons, fallbacks: value.fallbacks });
					continue;
				}
				if (t.error) {
					emit('node.failed', { node, ms, error: 'The step failed' });
					continue;
				}
				const result = t.result ?? {};
				const skip = (result.skipped as RunStateType['skipped'] | undefined)?.find((s) => s.node === node);
				if (skip) emit('node.skipped', { node, reason: skip.reason });
				else emit('node.finished', { node, ms, output: compactOutput(node, result) });
				if (node === 'modelRouter' && result.routing) {
					emit('routing.decided', { modelId: result.routing.modelId, reasons: result.routing.reasons, fallbacks: result.routing.fallbacks, task: null });
				}
				if (node === 'summarizer' && result.summary) emit('run.summary', result.summary);
			}
			await marked.catch(() => {});
			await context.seal(NODE_STOP_TIMEOUT_MS);
			await this.settle(runId, active);
		} catch (err) {
			await context.seal(NODE_STOP_TIMEOUT_MS); // an aborted stream ends before its nodes do: let them stop first
			if (controller.signal.aborted) await this.finish(runId, 'cancelled', { reason: active.cancelledBy === null ? 'server shutting down' : 'cancelled by a member', by: active.cancelledBy ?? null });
			else {
				this.deps.logger.error({ err, runId }, 'run failed');
				await this.finish(runId, 'failed', { error: 'The run failed unexpectedly', code: 'internal' });
			}
		} finally {
			await context.seal(0);
			this.contexts.delete(runId);
			this.active.delete(runId);
			resolveSettled();
		}
	}

	/** After the stream ends: waiting for approval, or finished one way or another. */
	private async settle(runId: string, active: ActiveRun) {
		const state = await this.graph.getState({ configurable: { thread_id: runId } });
		const values = state.values as RunStateType;
		if (state.tasks.some((t) => t.interrupts.length > 0)) {
			await this.deps.runs.update(runId, { status: 'waiting_approval', model_id: values.modelId, task: values.analysis?.task ?? null });
			await this.events.flush();
			return;
		}
		const common = { model_id: values.answer?.modelId ?? values.modelId, task: values.analysis?.task ?? null };
		if (values.rejected) {
			await this.deps.runs.update(runId, common);
			const reason = values.decision?.action === 'reject' && values.decision.reason ? `rejected: ${values.decision.reason}` : 'rejected at approval';
			return this.finish(runId, 'cancelled', { reason, by: null });
		}
		if (active.controller.signal.aborted || values.answer?.finishReason === 'cancelled') {
			await this.deps.runs.update(runId, { ...common, answer: values.answer?.text ?? null });
			return this.finish(runId, 'cancelled', { reason: 'cancelled by a member', by: active.cancelledBy ?? null });
		}
		if (!values.answer) {
			await this.deps.runs.update(runId, common);
			return this.finish(runId, 'failed', { error: values.error?.message ?? 'No model could answer', code: values.error?.code ?? 'no_answer' });
		}
		await this.deps.runs.update(runId, {
			...common,
			answer: values.answer.text,
			title: values.summary?.title ?? null,
			summary: values.summary?.summary ?? null,
			metrics: JSON.stringify(values.answer.metrics)
		});
		await this.finish(runId, 'succeeded', { modelId: values.answer.modelId, metrics: values.answer.metrics });
	}

	private async finish(
		runId: string,
		status: 'succeeded' | 'failed' | 'cancelled',
		data: RunEventData['run.finished'] | RunEventData['run.failed'] | RunEventData['run.cancelled'] | Omit<RunEventData['run.finished'], 'status'>
	) {
		if (status === 'succeeded') this.events.emit(runId, 'run.finished', { status, ...(data as Omit<RunEventData['run.finished'], 'status'>) });
		else if (status === 'failed') this.events.emit(runId, 'run.failed', data as RunEventData['run.failed']);
		else this.events.emit(runId, 'run.cancelled', data as RunEventData['run.cancelled']);
		await this.deps.runs.update(runId, { status, finished_at: Date.now(), ...(status === 'failed' ? { error: (data as RunEventData['run.failed']).error } : {}) });
		await this.events.close(runId);
	}

	private async snapshotBefore(runId: string, node: NodeName) {
		let snapshot = await this.graph.getState({ configurable: { thread_id: runId } });
		for (let guard = 0; snapshot && guard < 200; guard++) {
			if (snapshot.next.includes(node)) return snapshot;
			if (!snapshot.parentConfig) return undefined;
			snapshot = await this.graph.getState(snapshot.parentConfig);
		}
		return undefined;
	}
}
