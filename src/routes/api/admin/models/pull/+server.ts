import { pullSchema } from '$contract/admin';
import { readJson, requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Starts pulling a catalogue model in the background: 202 with its state; progress and outcome as `cache:pull`. */
export const POST: RequestHandler = async (event) => {
	requireAdmin(event);
	const { id } = await readJson(event, pullSchema);
	return respond(event.locals.app.admin.startPull(id), 202);
};
