import { requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Pins the model: it is never evicted or unloaded for idleness. */
export const POST: RequestHandler = async (event) => {
	requireAdmin(event);
	return respond(await event.locals.app.admin.pin(event.params.id));
};
