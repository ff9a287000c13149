import { budgetSchema } from '$contract/admin';
import { readJson, requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Sets the cache's byte budgets, evicting idle models to fit; 409 with the reason when busy or pinned ones exceed it. */
export const PUT: RequestHandler = async (event) => {
	requireAdmin(event);
	return respond(await event.locals.app.admin.setBudget(await readJson(event, budgetSchema)));
};
