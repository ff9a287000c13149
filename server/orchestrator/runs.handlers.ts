import { runForkSchema, runIdPayloadSchema, runReplaySchema, runResumeSchema, runStartSchema } from '../../src/lib/contract/live';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import { runRequestSchema, type ApprovalDecision, type RunSummary } from '../../src/lib/contract/runs';
import type { Logger } from '../logger';
import { handler } from '../realtime/handler';
import type { AppSocket } from '../realtime/types';
import type { ActivityLog } from '../rooms/activity';
import type { RoomsService } from '../rooms/rooms.service';
import type { YjsDocStore } from '../yjs/doc-store';
import type { Orchestrator } from './runner';

export interface RunHandlerDeps {
	orchestrator: Orchestrator;
	rooms: RoomsService;
	activity: ActivityLog;
	yjs: YjsDocStore;
	log: Logger;
	/** Called when the socket replays a run: it has caught up and may receive live events again. */
	onReplayed(socket: AppSocket, runId: string): void;
}

const decisionActivity = (d: ApprovalDecision) => (d.action === 'approve' ? 'run.approved' : d.action === 'reject' ? 'run.rejected' : 'run.overridden');

/** Steering over the socket: start, cancel, approve/override, fork and replay runs of rooms the caller belongs to. */
export function registerRunHandlers(socket: AppSocket, deps: RunHandlerDeps) {
	const caller = socket.data.user;
	const actor = { id: caller.id, name: caller.name };

	/** The run, if the caller is a member of its room (otherwise the same "no such run" as for unknown ids). */
	async function memberRun(runId: string): Promise<Result<RunSummary>> {
		const run = await deps.orchestrator.get(runId);
		if (!run || !(await deps.rooms.isMember(caller, run.roomId))) return fail('not_found', 'No such run');
		return ok(run);
	}

	/** The run, if the caller may steer it (a member, and a driver when the room is drivers-only). */
	async function steerableRun(runId: string): Promise<Result<RunSummary>> {
		const run = await memberRun(runId);
		if (!run.ok) return run;
		const may = await deps.rooms.maySteer(caller, run.data.roomId);
		return may.ok ? run : may;
	}

	socket.on(
		'run:start',
		handler(deps.log, 'run:start', runStartSchema, async (payload) => {
			const may = await deps.rooms.maySteer(caller, payload.roomId);
			if (!may.ok) return may;
			// No prompt given: run the room's shared draft with its shared settings, as everyone sees them.
			const draft = await deps.yjs.snapshot(payload.roomId);
			const s = draft.settings;
			const request = runRequestSchema.safeParse({
				prompt: payload.prompt ?? draft.prompt,
				mode: payload.mode ?? s.mode,
				modelId: payload.modelId ?? (s.model === 'auto' ? undefined : s.model),
				compareModelIds: payload.compareModelIds,
				sampling: payload.sampling ?? { temperature: s.temperature, maxTokens: s.maxTokens },
				approvalGate: payload.approvalGate ?? s.approvalGate
			});
			if (!request.success) {
				const issue = request.error.issues[0];
				return fail('bad_request', `${issue.path.join('.') || 'request'}: ${issue.message}`);
			}
			const run = await deps.orchestrator.start({ roomId: payload.roomId, authorId: caller.id, request: request.data, policy: s.runPolicy });
			await deps.activity.record(payload.roomId, actor, 'run.started', run.id, request.data.prompt.slice(0, 120));
			return ok(run);
		})
	);

	socket.on(
		'run:cancel',
		handler(deps.log, 'run:cancel', runIdPayloadSchema, async ({ runId }) => {
			const run = await steerableRun(runId);
			if (!run.ok) return run;
			const cancelled = await deps.orchestrator.cancel(runId, caller.id);
			if (cancelled.ok) await deps.activity.record(run.data.roomId, actor, 'run.cancelled', runId);
			return cancelled;
		})
	);

	socket.on(
		'run:resume',
		handler(deps.log, 'run:resume', runResumeSchema, async ({ runId, decision }) => {
			const run = await steerableRun(runId);
			if (!run.ok) return run;
			const resumed = await deps.orchestrator.resume(runId, caller.id, decision);
			if (resumed.ok) {
				const detail = decision.action === 'override' ? (decision.modelId ?? 'same model, new parameters') : decision.action === 'reject' ? (decision.reason ?? null) : null;
				await deps.activity.record(run.data.roomId, actor, decisionActivity(decision), runId, detail);
			}
			return resumed;
		})
	);

	socket.on(
		'run:fork',
		handler(deps.log, 'run:fork', runForkSchema, async ({ runId, ...edits }) => {
			const run = await steerableRun(runId);
			if (!run.ok) return run;
			const fork = await deps.orchestrator.fork(runId, caller.id, edits);
			if (fork.ok) await deps.activity.record(run.data.roomId, actor, 'run.forked', fork.data.id, `from ${edits.node} of ${runId}`);
			return fork;
		})
	);

	socket.on(
		'run:replay',
		handler(deps.log, 'run:replay', runReplaySchema, async ({ runId, afterSeq }) => {
			const run = await memberRun(runId);
			if (!run.ok) return run;
			const events = await deps.orchestrator.events.eventsAfter(runId, afterSeq);
			deps.onReplayed(socket, runId);
			return ok({ events, lastSeq: events.at(-1)?.seq ?? afterSeq });
		})
	);
}
