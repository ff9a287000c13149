import { approvalDecisionSchema } from '$contract/runs';
import { readJson, requireUser, respond } from '$lib/server/api';
import { requireRun, requireSteering } from '$lib/server/runs';
import type { RequestHandler } from './$types';

/** Answers an approval interrupt: approve, reject, or override the model / sampling. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	const run = await requireRun(event, event.params.id);
	await requireSteering(event, run.roomId);
	const decision = await readJson(event, approvalDecisionSchema);
	return respond(await event.locals.app.orchestrator.resume(event.params.id, user.id, decision));
};
