import { requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) =>
	respond(await event.locals.app.runsService.cancel(requireUser(event), event.params.id));
