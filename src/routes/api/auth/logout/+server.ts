import { json } from '@sveltejs/kit';
import { clearSessionCookie } from '$lib/server/session-cookie';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ locals, cookies }) => {
	if (locals.session) {
		await locals.app.auth.invalidateSession(locals.session.id);
		locals.app.realtime?.disconnectSession(locals.session.id);
	}
	clearSessionCookie(cookies, locals.app.config.secureCookies);
	return json({ ok: true });
};
