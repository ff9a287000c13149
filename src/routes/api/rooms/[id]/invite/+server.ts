import { requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Owner replaces the invite link; the old one stops working. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	return respond(await event.locals.app.rooms.regenerateInvite(user, event.params.id));
};
