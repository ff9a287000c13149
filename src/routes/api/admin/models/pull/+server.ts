import { pullSchema } from '$contract/admin';
import { readJson, requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Starts pulling a catalogue model or a URI in the background: 202 with its state; progress and outcome as `cache:pull`. */
export const POST: RequestHandler = async (event) => {
	requireAdmin(event);
	const body = await readJson(event, pullSchema);
	const admin = event.locals.app.admin;
	return respond('id' in body ? admin.startPull(body.id) : admin.startPullUri(body.uri), 202);
};
