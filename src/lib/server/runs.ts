import { error, type RequestEvent } from '@sveltejs/kit';
import type { RunSummary } from '$contract/runs';
import { requireUser } from './api';

/** The run, if the caller is a member of its room; otherwise a 404 (not 403: run ids are not to be probed). */
export async function requireRun(event: RequestEvent, runId: string): Promise<RunSummary & { answer: string | null }> {
	const user = requireUser(event);
	const run = await event.locals.app.orchestrator.get(runId);
	if (!run || !(await event.locals.app.rooms.isMember(user, run.roomId))) error(404, { message: 'No such run', code: 'not_found' });
	return run;
}

/** The room id, if the caller is a member; otherwise 403/404. */
export async function requireMembership(event: RequestEvent, roomId: string): Promise<string> {
	const user = requireUser(event);
	const detail = await event.locals.app.rooms.detail(roomId, user);
	if (!detail.ok) error(detail.error.code === 'not_found' ? 404 : 403, { message: detail.error.message, code: detail.error.code });
	if (detail.data.role === null) error(403, { message: 'Join the room first', code: 'forbidden' });
	return roomId;
}

/** The caller may steer runs in this room (a member, and a driver when the room is drivers-only); otherwise 403. */
export async function requireSteering(event: RequestEvent, roomId: string): Promise<void> {
	const user = requireUser(event);
	const may = await event.locals.app.rooms.maySteer(user, roomId);
	if (!may.ok) error(403, { message: may.error.message, code: 'forbidden' });
}
