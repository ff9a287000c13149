import { json } from '@sveltejs/kit';
import { requireAdmin } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Catalogue + discovered models joined with the cache's status, budget, used bytes, stats and pulls. */
export const GET: RequestHandler = async (event) => {
	requireAdmin(event);
	return json(await event.locals.app.admin.overview());
};
