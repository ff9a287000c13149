import { redirect } from '@sveltejs/kit';
import { loginSchema } from '$contract/auth';
import { formFailure, parseForm, readForm, safeNext } from '$lib/server/forms';
import { setSessionCookie } from '$lib/server/session-cookie';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
};

export const actions: Actions = {
	default: async ({ request, locals, cookies, url, getClientAddress }) => {
		const form = parseForm(await readForm(request), loginSchema, ['email']);
		if (!form.ok) return form.failure;
		const result = await locals.app.auth.login({ ...form.data, clientKey: getClientAddress() });
		if (!result.ok)
			return formFailure(result.error.code === 'rate_limited' ? 429 : 400, { form: result.error.message }, { email: form.data.email });
		const { token, session } = await locals.app.auth.createSession(result.data.id);
		setSessionCookie(cookies, token, session.expiresAt, locals.app.config.secureCookies);
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
