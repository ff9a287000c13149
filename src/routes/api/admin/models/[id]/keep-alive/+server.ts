import { keepAliveSchema } from '$contract/admin';
import { readJson, requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** `{ seconds }` idle time before the model unloads; `{ seconds: null }` keeps it until evicted. */
export const PUT: RequestHandler = async (event) => {
	requireAdmin(event);
	const { seconds } = await readJson(event, keepAliveSchema);
	return respond(await event.locals.app.admin.setKeepAlive(event.params.id, seconds));
};
