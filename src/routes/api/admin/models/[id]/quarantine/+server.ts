import { requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Lifts the model's quarantine (its next load tries the file again); 404 when not quarantined, 409 while its file still fails inspection. */
export const DELETE: RequestHandler = async (event) => {
	requireAdmin(event);
	return respond(await event.locals.app.admin.clearQuarantine(event.params.id));
};
