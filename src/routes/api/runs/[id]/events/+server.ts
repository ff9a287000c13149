import { error, json } from '@sveltejs/kit';
import { requireRun } from '$lib/server/runs';
import type { RequestHandler } from './$types';

/** The run's events after `after` (default 0), in seq order. */
export const GET: RequestHandler = async (event) => {
	await requireRun(event, event.params.id);
	const after = Number(event.url.searchParams.get('after') ?? 0);
	if (!Number.isInteger(after) || after < 0) error(400, { message: 'after must be a non-negative integer', code: 'bad_request' });
	return json({ events: await event.locals.app.orchestrator.events.eventsAfter(event.params.id, after) });
};
