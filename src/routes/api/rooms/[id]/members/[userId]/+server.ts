import { requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = async (event) => {
	const user = requireUser(event);
	return respond(await event.locals.app.rooms.removeMember(user, event.params.id, event.params.userId));
};
