import { forkRequestSchema } from '$contract/runs';
import { readJson, requireUser, respond } from '$lib/server/api';
import { requireRun, requireSteering } from '$lib/server/runs';
import type { RequestHandler } from './$types';

/** Starts a new run from a node of this one, with edited prompt, model or sampling. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const run = await requireRun(event, event.params.id);
	await requireSteering(event, run.roomId);
	const edits = await readJson(event, forkRequestSchema);
	return respond(await event.locals.app.orchestrator.fork(event.params.id, user.id, edits), 201);
};
