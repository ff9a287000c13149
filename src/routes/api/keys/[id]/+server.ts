import { json } from '@sveltejs/kit';
import { errorJson, requireUser } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Revokes a key and closes the sockets it opened (as logout does for a session's). */
export const DELETE: RequestHandler = async (event) => {
	const user = requireUser(event);
	const revoked = await event.locals.app.auth.revokeApiKey(event.params.id, user.id);
	if (!revoked) return errorJson({ code: 'not_found', message: 'No such key' });
	event.locals.app.realtime?.disconnectApiKey(event.params.id);
	return json({ revoked: true });
};
