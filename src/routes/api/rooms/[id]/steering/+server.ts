import { steeringSchema } from '$contract/rooms';
import { readJson, requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Owner: `{ steering: "everyone" | "drivers" }` — who may start, cancel, approve and fork runs. */
export const PUT: RequestHandler = async (event) => {
	const user = requireUser(event);
	const { steering } = await readJson(event, steeringSchema);
	return respond(await event.locals.app.rooms.setSteering(user, event.params.id, steering));
};
