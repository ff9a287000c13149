import { json } from '@sveltejs/kit';
import { createRoomSchema } from '$contract/rooms';
import { readJson, requireUser } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	return json({ rooms: await event.locals.app.rooms.list(user) });
};

export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const input = await readJson(event, createRoomSchema);
	return json(await event.locals.app.rooms.create(user, input), { status: 201 });
};
