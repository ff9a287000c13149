import { requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	return respond(await event.locals.app.rooms.join(user, event.params.id));
};
