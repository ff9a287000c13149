import { driverSchema } from '$contract/rooms';
import { readJson, requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Owner: `{ driver: true | false }` — may this member steer runs in a drivers-only room. */
export const PUT: RequestHandler = async (event) => {
	const user = requireUser(event);
	const { driver } = await readJson(event, driverSchema);
	return respond(await event.locals.app.rooms.setDriver(user, event.params.id, event.params.userId, driver));
};
