import { requireUser, respond } from '$lib/server/api';
import { requireRun } from '$lib/server/runs';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	await requireRun(event, event.params.id);
	return respond(await event.locals.app.orchestrator.cancel(event.params.id, user.id));
};
