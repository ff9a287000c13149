import { forkRequestSchema } from '$contract/runs';
import { readJson, requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Starts a new run from a node of this one, with edited prompt, model or sampling. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const edits = await readJson(event, forkRequestSchema);
	return respond(await event.locals.app.runsService.fork(user, event.params.id, edits), 201);
};
