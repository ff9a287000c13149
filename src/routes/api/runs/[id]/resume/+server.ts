import { approvalDecisionSchema } from '$contract/runs';
import { readJson, requireUser, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** Answers an approval interrupt: approve, reject, or override the model / sampling. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const decision = await readJson(event, approvalDecisionSchema);
	return respond(await event.locals.app.runsService.resume(user, event.params.id, decision));
};
