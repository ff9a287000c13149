import { redirect } from '@sveltejs/kit';
import { signupSchema } from '$contract/auth';
import { clientKey } from '$lib/server/api';
import { formFailure, parseForm, readForm, safeNext } from '$lib/server/forms';
import { setSessionCookie } from '$lib/server/session-cookie';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
};

export const actions: Actions = {
	default: async (event) => {
		const { request, locals, cookies, url } = event;
		const form = parseForm(await readForm(request), signupSchema, ['email', 'name']);
		if (!form.ok) return form.failure;
		// Before the password is hashed (SIGNUP_RATE_PER_MINUTE per client address).
		const limited = await locals.app.limits.signup.take(clientKey(event));
		if (!limited.ok) return formFailure(429, { form: limited.error.message }, { email: form.data.email, name: form.data.name });
		const created = await locals.app.auth.signup(form.data);
		// Not tied to the email field: the message must not say whether the email is taken (see auth.service signup).
		if (!created.ok) return formFailure(400, { form: created.error.message }, { email: form.data.email, name: form.data.name });
		const { token, session } = await locals.app.auth.createSession(created.data.id);
		setSessionCookie(cookies, token, session.expiresAt, locals.app.config.secureCookies);
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
