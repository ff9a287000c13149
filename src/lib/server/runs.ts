import { error, type RequestEvent } from '@sveltejs/kit';
import { httpStatus, type Result } from '$contract/result';

/** A runs-service result as the REST value, or the matching error status (404 for runs the caller cannot see). */
export function unwrap<T>(result: Result<T>): T {
	if (!result.ok) error(httpStatus[result.error.code], { message: result.error.message, code: result.error.code });
	return result.data;
}

/** The run, if the caller is a member of its room; otherwise a 404 (not 403: run ids are not to be probed). */
export async function requireRun(event: RequestEvent, runId: string) {
	const { app, user } = event.locals;
	if (!user) error(401, { message: 'Sign in or send an API key (Authorization: Bearer sy_…)', code: 'unauthenticated' });
	return unwrap(await app.runsService.get(user, runId));
}
