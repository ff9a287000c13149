import { requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** What loading the model would do now: fit, evict which models, or why it cannot fit. */
export const GET: RequestHandler = async (event) => {
	requireAdmin(event);
	return respond(await event.locals.app.admin.preview(event.params.id));
};
