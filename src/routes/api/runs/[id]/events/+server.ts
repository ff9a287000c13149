import { error, json } from '@sveltejs/kit';
import { requireUser } from '$lib/server/api';
import { unwrap } from '$lib/server/runs';
import type { RequestHandler } from './$types';

/** The run's events after `after` (default 0), in seq order. */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const after = Number(event.url.searchParams.get('after') ?? 0);
	if (!Number.isInteger(after) || after < 0) error(400, { message: 'after must be a non-negative integer', code: 'bad_request' });
	return json({ events: unwrap(await event.locals.app.runsService.events(user, event.params.id, after)) });
};
