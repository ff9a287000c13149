import { requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Unloads the model now; 409 while runs use it, 404 when it is not loaded. */
export const POST: RequestHandler = async (event) => {
	requireAdmin(event);
	return respond(await event.locals.app.admin.unload(event.params.id));
};
