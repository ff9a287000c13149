import { error, json } from '@sveltejs/kit';
import { z } from 'zod';
import { roomIdSchema } from '$contract/rooms';
import { runStartSchema } from '$contract/live';
import { RUN_STATUSES } from '$contract/runs';
import { describeZodError } from '$contract/zod-error';
import { readJson, requireUser, respond } from '$lib/server/api';
import { unwrap } from '$lib/server/runs';
import type { RequestHandler } from './$types';

const listQuery = z.object({
	room: roomIdSchema,
	status: z.enum(RUN_STATUSES).optional(),
	model: z.string().max(100).optional(),
	task: z.string().max(40).optional(),
	author: z.string().max(64).optional(),
	q: z.string().max(200).optional(),
	before: z.coerce.number().int().positive().optional(),
	limit: z.coerce.number().int().min(1).max(100).default(20)
});

/** A room's runs, newest first; page with `before` = the last run's createdAt. */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const parsed = listQuery.safeParse(Object.fromEntries(event.url.searchParams));
	if (!parsed.success) error(400, { message: describeZodError(parsed.error, 'query'), code: 'bad_request' });
	const f = parsed.data;
	const runs = unwrap(
		await event.locals.app.runsService.list(user, f.room, {
			status: f.status,
			modelId: f.model,
			task: f.task,
			authorId: f.author,
			q: f.q,
			before: f.before,
			limit: f.limit
		})
	);
	return json({ runs, nextBefore: runs.length === f.limit ? runs.at(-1)!.createdAt : null });
};

/** Starts a run in a room; fields left out come from the room's shared draft, as with the socket's run:start. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const body = await readJson(event, runStartSchema);
	return respond(await event.locals.app.runsService.start(user, body), 201);
};
