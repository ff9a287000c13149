import { requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Unpins the model: it is evictable again and its keep-alive applies. */
export const POST: RequestHandler = async (event) => {
	requireAdmin(event);
	return respond(await event.locals.app.admin.unpin(event.params.id));
};
