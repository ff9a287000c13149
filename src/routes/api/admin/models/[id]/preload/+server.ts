import { requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Loads the model now, evicting idle models to fit; 409 when it cannot fit. */
export const POST: RequestHandler = async (event) => {
	requireAdmin(event);
	return respond(await event.locals.app.admin.preload(event.params.id));
};
