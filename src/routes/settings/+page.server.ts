import { error, redirect } from '@sveltejs/kit';
import { createApiKeySchema } from '$contract/auth';
import { formFailure, parseForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	return { keys: await locals.app.auth.listApiKeys(locals.user.id) };
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		const form = parseForm(await request.formData(), createApiKeySchema);
		if (!form.ok) return form.failure;
		const created = await locals.app.auth.createApiKey(locals.user.id, form.data.name);
		return { created };
	},
	revoke: async ({ request, locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		const id = String((await request.formData()).get('id') ?? '');
		if (!(await locals.app.auth.revokeApiKey(id, locals.user.id))) return formFailure(404, { form: 'No such key' });
	}
};
