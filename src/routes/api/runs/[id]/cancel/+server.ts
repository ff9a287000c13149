import { requireUser, respond } from '$lib/server/api';
import { requireRun, requireSteering } from '$lib/server/runs';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const run = await requireRun(event, event.params.id);
	await requireSteering(event, run.roomId);
	return respond(await event.locals.app.orchestrator.cancel(event.params.id, user.id));
};
