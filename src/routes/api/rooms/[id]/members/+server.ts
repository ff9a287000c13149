import { inviteByEmailSchema } from '$contract/rooms';
import { readJson, requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Owner adds an existing account to the room by email. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const { email } = await readJson(event, inviteByEmailSchema);
	return respond(await event.locals.app.rooms.inviteByEmail(user, event.params.id, email));
};
