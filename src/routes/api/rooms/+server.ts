import { json } from '@sveltejs/kit';
import { error } from '@sveltejs/kit';
import { createRoomSchema, roomListQuerySchema } from '$contract/rooms';
import { overLimit, readJson, requireUser } from '$lib/server/api';
import type { RequestHandler } from './$types';
import { describeZodError } from '$contract/zod-error';

export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const query = roomListQuerySchema.safeParse(Object.fromEntries(event.url.searchParams));
	if (!query.success) error(400, { message: describeZodError(query.error, 'query'), code: 'bad_request' });
	return json(await event.locals.app.rooms.list(user, query.data));
};

export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const input = await readJson(event, createRoomSchema);
	const limited = await overLimit(event.locals.app.limits.roomCreate, user.id);
	if (limited) return limited;
	return json(await event.locals.app.rooms.create(user, input), { status: 201 });
};
