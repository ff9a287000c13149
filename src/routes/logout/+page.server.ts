import { redirect } from '@sveltejs/kit';
import { clearSessionCookie } from '$lib/server/session-cookie';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies }) => {
		if (locals.session) {
			await locals.app.auth.invalidateSession(locals.session.id);
			locals.app.realtime?.disconnectSession(locals.session.id);
		}
		clearSessionCookie(cookies, locals.app.config.secureCookies);
		redirect(303, '/login');
	}
};
