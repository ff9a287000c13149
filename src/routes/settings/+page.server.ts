import { error, redirect } from '@sveltejs/kit';
import { createApiKeySchema } from '$contract/auth';
import { formFailure, parseForm, readForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	return { keys: await locals.app.auth.listApiKeys(locals.user.id) };
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		// Only a signed-in session mints keys: a leaked key must not be able to create more.
		if (!locals.session) error(403, 'API keys can only be created from a signed-in session');
		const form = parseForm(await readForm(request), createApiKeySchema);
		if (!form.ok) return form.failure;
		const limited = await locals.app.limits.apiKeyCreate.take(locals.user.id);
		if (!limited.ok) return formFailure(429, { form: limited.error.message });
		const created = await locals.app.auth.createApiKey(locals.user.id, form.data.name);
		return { created };
	},
	revoke: async ({ request, locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		const id = String((await readForm(request)).get('id') ?? '');
		if (!(await locals.app.auth.revokeApiKey(id, locals.user.id))) return formFailure(404, { form: 'No such key' });
		locals.app.realtime?.disconnectApiKey(id); // its open sockets close, as a session's do on logout
	}
};
