import { roleSchema } from '$contract/admin';
import { readJson, requireAdmin, respond } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** `{ role }`; 409 when it would demote the last admin. */
export const PUT: RequestHandler = async (event) => {
	requireAdmin(event);
	const { role } = await readJson(event, roleSchema);
	return respond(await event.locals.app.admin.setRole(event.params.id, role));
};
