import { requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	return respond(await event.locals.app.rooms.detail(event.params.id, user));
};
