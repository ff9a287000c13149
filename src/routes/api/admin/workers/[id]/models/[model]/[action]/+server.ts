import { z } from 'zod';
import { errorJson, requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

const actionSchema = z.enum(['preload', 'unload', 'pin', 'unpin']);

/** Runs a cache action on one worker (by id) or on `all`; answers each worker's result. */
export const POST: RequestHandler = async (event) => {
	requireAdmin(event);
	const action = actionSchema.safeParse(event.params.action);
	if (!action.success) return errorJson({ code: 'not_found', message: 'Actions: preload, unload, pin, unpin' });
	return respond(await event.locals.app.adminWorkers.command(event.params.id, action.data, event.params.model));
};
