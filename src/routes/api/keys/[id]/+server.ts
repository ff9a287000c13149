import { json } from '@sveltejs/kit';
import { errorJson, requireUser } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = async (event) => {
	const user = requireUser(event);
	const revoked = await event.locals.app.auth.revokeApiKey(event.params.id, user.id);
	return revoked ? json({ revoked: true }) : errorJson({ code: 'not_found', message: 'No such key' });
};
