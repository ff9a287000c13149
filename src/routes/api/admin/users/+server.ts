import { json } from '@sveltejs/kit';
import { requireAdmin } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	requireAdmin(event);
	return json({ users: await event.locals.app.admin.listUsers() });
};
