import { requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Accepts an invite link: the caller becomes a member of its room. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	return respond(await event.locals.app.rooms.joinByInvite(user, event.params.token));
};
