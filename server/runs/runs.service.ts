import { fail, ok, type AppError, type Result } from '../../src/lib/contract/result';
import {
	runRequestSchema,
	type ApprovalDecision,
	type ForkRequest,
	type RunEvent,
	type RunRequest,
	type RunSummary
} from '../../src/lib/contract/runs';
import type { PromptSettings } from '../../src/lib/contract/yjs';
import { describeZodError } from '../../src/lib/contract/zod-error';
import type { ChatMessage } from '../models/executor';
import type { Orchestrator } from '../orchestrator/runner';
import type { RunFilter, RunsRepository } from '../orchestrator/runs.repository';
import type { ActivityLog } from '../rooms/activity';
import type { RateLimit } from '../rate-limits';
import type { RoomsService } from '../rooms/rooms.service';

/** Who asks: a signed-in user (session or API key). */
export interface Actor {
	id: string;
	name: string;
}

/**
 * A run to start. Fields left out come from the room's shared draft (its Yjs prompt and settings), so a bare
 * `{ roomId }` runs exactly what everyone in the room sees. No room: the caller's personal room (API runs).
 */
export interface StartRunCommand {
	roomId?: string;
	prompt?: string;
	mode?: RunRequest['mode'];
	modelId?: string;
	compareModelIds?: string[];
	sampling?: RunRequest['sampling'];
	approvalGate?: boolean;
	/** JSON answers, tools, logprobs, raw completion (API callers only; plain data carried in the run request). */
	output?: RunRequest['output'];
	/** Earlier turns supplied by an API caller instead of the room's history. */
	conversation?: ChatMessage[];
	/** An API caller's hard limits (no retry past max_tokens, none after streamed tokens). */
	apiLimits?: RunRequest['apiLimits'];
}

export interface RunsServiceDeps {
	orchestrator: Orchestrator;
	runs: RunsRepository;
	rooms: RoomsService;
	activity: ActivityLog;
	/** The room's shared draft (AppContext.yjs). */
	drafts: { snapshot(roomId: string): Promise<{ prompt: string; settings: PromptSettings }> };
	/** Why a model cannot run here (unknown, absent, quarantined), or undefined when it can. */
	modelProblem(modelId: string): AppError | undefined | Promise<AppError | undefined>;
	limits: { maxActivePerUser: number; maxActivePerRoom: number };
	/** RUN_REPLAY_RATE_PER_MINUTE, per user: reading a run's event log (run:replay, REST events and export). */
	replayLimit: RateLimit;
}

/**
 * Every rule about runs, once: who may see and steer them, the room's queue/parallel policy, limits, validation
 * through the one run request schema, and the activity feed. Socket handlers, REST routes and `/v1` only translate.
 */
export function createRunsService(deps: RunsServiceDeps) {
	const { orchestrator, rooms, activity } = deps;

	/** The run, if the caller is a member of its room (otherwise the same "no such run" as for unknown ids). */
	async function visibleRun(actor: Actor, runId: string): Promise<Result<RunSummary & { answer: string | null }>> {
		const run = await orchestrator.get(runId);
		if (!run || !(await rooms.isMember(actor, run.roomId))) return fail('not_found', 'No such run');
		return ok(run);
	}

	/** The run, if the caller may steer it (a member, and a driver when the room is drivers-only). */
	async function steerableRun(actor: Actor, runId: string): Promise<Result<RunSummary>> {
		const run = await visibleRun(actor, runId);
		if (!run.ok) return run;
		const may = await rooms.maySteer(actor, run.data.roomId);
		return may.ok ? run : may;
	}

	/** Unfinished runs (queued, running, waiting) are capped per author and per room, so one member or room cannot starve the rest. */
	async function withinLimits(actor: Actor, roomId: string): Promise<Result<null>> {
		const { maxActivePerUser, maxActivePerRoom } = deps.limits;
		if ((await deps.runs.countUnfinished({ authorId: actor.id })) >= maxActivePerUser) {
			return fail(
				'rate_limited',
				`You already have ${maxActivePerUser} unfinished runs (RUNS_MAX_ACTIVE_PER_USER); wait for one to end or cancel one`
			);
		}
		if ((await deps.runs.countUnfinished({ roomId })) >= maxActivePerRoom) {
			return fail(
				'rate_limited',
				`This room already has ${maxActivePerRoom} unfinished runs (RUNS_MAX_ACTIVE_PER_ROOM); wait for one to end or cancel one`
			);
		}
		return ok(null);
	}

	async function modelProblem(request: RunRequest): Promise<AppError | undefined> {
		for (const id of [request.modelId, ...(request.compareModelIds ?? [])]) {
			const problem = id === undefined ? undefined : await deps.modelProblem(id);
			if (problem) return problem;
		}
		return undefined;
	}

	return {
		async start(actor: Actor, command: StartRunCommand): Promise<Result<RunSummary>> {
			const roomId = command.roomId ?? (await rooms.personalRoomId(actor));
			const may = await rooms.maySteer(actor, roomId);
			if (!may.ok) return may;
			const draft = await deps.drafts.snapshot(roomId);
			const s = draft.settings;
			const mode = command.mode ?? s.mode;
			const parsed = runRequestSchema.safeParse({
				prompt: command.prompt ?? draft.prompt,
				mode,
				modelId: command.modelId ?? (s.model === 'auto' ? undefined : s.model),
				compareModelIds: command.compareModelIds ?? (mode === 'compare' && s.compareModels.length >= 2 ? s.compareModels : undefined),
				sampling: command.sampling ?? { temperature: s.temperature, maxTokens: s.maxTokens },
				approvalGate: command.approvalGate ?? s.approvalGate,
				output: command.output,
				apiLimits: command.apiLimits
			});
			if (!parsed.success) return fail('bad_request', describeZodError(parsed.error));
			const request = parsed.data;
			const problem = await modelProblem(request);
			if (problem) return fail(problem.code, problem.message);
			const limited = await withinLimits(actor, roomId);
			if (!limited.ok) return limited;
			const run = await orchestrator.start({
				roomId,
				authorId: actor.id,
				request,
				conversation: command.conversation,
				policy: s.runPolicy
			});
			await activity.record(roomId, actor, 'run.started', run.id, request.prompt.slice(0, 120));
			return ok(run);
		},

		async cancel(actor: Actor, runId: string): Promise<Result<RunSummary>> {
			const run = await steerableRun(actor, runId);
			if (!run.ok) return run;
			const cancelled = await orchestrator.cancel(runId, actor.id);
			if (cancelled.ok) await activity.record(run.data.roomId, actor, 'run.cancelled', runId);
			return cancelled;
		},

		async resume(actor: Actor, runId: string, decision: ApprovalDecision): Promise<Result<RunSummary>> {
			const run = await steerableRun(actor, runId);
			if (!run.ok) return run;
			const problem = decision.action === 'override' && decision.modelId ? await deps.modelProblem(decision.modelId) : undefined;
			if (problem) return fail('bad_request', problem.message);
			const { settings } = await deps.drafts.snapshot(run.data.roomId);
			const resumed = await orchestrator.resume(runId, actor.id, decision, settings.runPolicy);
			if (resumed.ok) {
				const detail =
					decision.action === 'override'
						? (decision.modelId ?? 'same model, new parameters')
						: decision.action === 'reject'
							? (decision.reason ?? null)
							: null;
				await activity.record(run.data.roomId, actor, decisionActivity(decision), runId, detail);
			}
			return resumed;
		},

		async fork(actor: Actor, runId: string, edits: ForkRequest): Promise<Result<RunSummary>> {
			const run = await steerableRun(actor, runId);
			if (!run.ok) return run;
			const problem = edits.modelId ? await deps.modelProblem(edits.modelId) : undefined;
			if (problem) return fail('bad_request', problem.message);
			const limited = await withinLimits(actor, run.data.roomId);
			if (!limited.ok) return limited;
			const { settings } = await deps.drafts.snapshot(run.data.roomId);
			const fork = await orchestrator.fork(runId, actor.id, edits, settings.runPolicy);
			if (fork.ok) await activity.record(run.data.roomId, actor, 'run.forked', fork.data.id, `from ${edits.node} of ${runId}`);
			return fork;
		},

		get: visibleRun,

		/** Stored and live events after `afterSeq`, in seq order. */
		async events(actor: Actor, runId: string, afterSeq: number): Promise<Result<RunEvent[]>> {
			const allowed = await deps.replayLimit.take(actor.id);
			if (!allowed.ok) return allowed;
			const run = await visibleRun(actor, runId);
			if (!run.ok) return run;
			return ok(await orchestrator.events.eventsAfter(runId, afterSeq));
		},

		/** A room's runs, newest first. */
		async list(actor: Actor, roomId: string, filter: RunFilter): Promise<Result<RunSummary[]>> {
			if (!(await rooms.isMember(actor, roomId))) return fail('forbidden', 'Join the room first');
			return ok(await deps.runs.list(roomId, filter));
		},

		/** Every event of a visible run after `afterSeq`, exactly once and in order; resolves to the unsubscribe function. */
		async follow(actor: Actor, runId: string, afterSeq: number, onEvent: (event: RunEvent) => void): Promise<Result<() => void>> {
			const run = await visibleRun(actor, runId);
			if (!run.ok) return run;
			return ok(await orchestrator.follow(runId, afterSeq, onEvent));
		},

		/** At start-up: continues the runs a previous process left queued or running, in their rooms' order and policy. */
		async recoverInterrupted(): Promise<number> {
			const runs = await orchestrator.interrupted();
			for (const run of runs) {
				const { settings } = await deps.drafts.snapshot(run.roomId);
				await orchestrator.recover(run.id, settings.runPolicy);
			}
			return runs.length;
		},

		/** Resolves when a visible run stops moving (finished, failed, cancelled or waiting for approval). */
		async settled(actor: Actor, runId: string): Promise<Result<RunSummary & { answer: string | null }>> {
			const run = await visibleRun(actor, runId);
			if (!run.ok) return run;
			await orchestrator.waitForRun(runId);
			return visibleRun(actor, runId);
		}
	};
}

export type RunsService = ReturnType<typeof createRunsService>;

const decisionActivity = (d: ApprovalDecision) =>
	d.action === 'approve' ? 'run.approved' : d.action === 'reject' ? 'run.rejected' : 'run.overridden';
