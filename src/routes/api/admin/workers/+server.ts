import { json } from '@sveltejs/kit';
import { requireAdmin } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Every live inference worker: its models (with cache state), budget and load; this process alone without a cluster. */
export const GET: RequestHandler = async (event) => {
	requireAdmin(event);
	return json(await event.locals.app.adminWorkers.list());
};
