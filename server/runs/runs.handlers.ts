import { runForkSchema, runIdPayloadSchema, runReplaySchema, runResumeSchema, runStartSchema } from '../../src/lib/contract/live';
import { ok } from '../../src/lib/contract/result';
import type { Logger } from '../logger';
import { handler } from '../realtime/handler';
import type { AppSocket } from '../realtime/types';
import type { RunsService } from './runs.service';

export interface RunHandlerDeps {
	runs: RunsService;
	log: Logger;
	/** Called when the socket replays a run: it has caught up and may receive live events again. */
	onReplayed(socket: AppSocket, runId: string): void;
}

/** Steering over the socket: start, cancel, approve/override, fork and replay runs. The rules are the runs service's. */
export function registerRunHandlers(socket: AppSocket, deps: RunHandlerDeps) {
	const actor = socket.data.user;
	const { runs, log } = deps;

	socket.on(
		'run:start',
		handler(log, 'run:start', runStartSchema, (payload) => runs.start(actor, payload))
	);
	socket.on(
		'run:cancel',
		handler(log, 'run:cancel', runIdPayloadSchema, ({ runId }) => runs.cancel(actor, runId))
	);
	socket.on(
		'run:resume',
		handler(log, 'run:resume', runResumeSchema, ({ runId, decision }) => runs.resume(actor, runId, decision))
	);
	socket.on(
		'run:fork',
		handler(log, 'run:fork', runForkSchema, ({ runId, ...edits }) => runs.fork(actor, runId, edits))
	);
	socket.on(
		'run:replay',
		handler(log, 'run:replay', runReplaySchema, async ({ runId, afterSeq }) => {
			const events = await runs.events(actor, runId, afterSeq);
			if (!events.ok) return events;
			deps.onReplayed(socket, runId);
			return ok({ events: events.data, lastSeq: events.data.at(-1)?.seq ?? afterSeq });
		})
	);
}
