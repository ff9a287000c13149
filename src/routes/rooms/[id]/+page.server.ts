import { error, redirect } from '@sveltejs/kit';
import { httpStatus } from '$contract/result';
import { inviteByEmailSchema, memberIdSchema } from '$contract/rooms';
import { formFailure, parseForm, readForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	const room = await locals.app.rooms.detail(params.id, locals.user);
	if (!room.ok) error(room.error.code === 'not_found' ? 404 : 403, room.error.message);
	return { room: room.data, inviteUrl: room.data.inviteToken ? `${url.origin}/invite/${room.data.inviteToken}` : null };
};

// A refusal answers with its own status (403 not the owner, 404 not a member or no such account, 400 a rule), as the
// REST routes do: tests/security/matrix.ts checks both.
export const actions: Actions = {
	invite: async ({ request, locals, params }) => {
		if (!locals.user) error(401, 'Sign in first');
		const form = parseForm(await readForm(request), inviteByEmailSchema, ['email']);
		if (!form.ok) return form.failure;
		const result = await locals.app.rooms.inviteByEmail(locals.user, params.id, form.data.email);
		if (!result.ok) return formFailure(httpStatus[result.error.code], { email: result.error.message }, { email: form.data.email });
		return { invited: form.data.email };
	},
	remove: async ({ request, locals, params }) => {
		if (!locals.user) error(401, 'Sign in first');
		const form = parseForm(await readForm(request), memberIdSchema);
		if (!form.ok) return form.failure;
		const result = await locals.app.rooms.removeMember(locals.user, params.id, form.data.userId);
		if (!result.ok) return formFailure(httpStatus[result.error.code], { form: result.error.message });
	},
	regenerateInvite: async ({ locals, params }) => {
		if (!locals.user) error(401, 'Sign in first');
		const result = await locals.app.rooms.regenerateInvite(locals.user, params.id);
		if (!result.ok) return formFailure(httpStatus[result.error.code], { form: result.error.message });
	},
	leave: async ({ locals, params }) => {
		if (!locals.user) error(401, 'Sign in first');
		const result = await locals.app.rooms.leave(locals.user, params.id);
		if (!result.ok) return formFailure(httpStatus[result.error.code], { form: result.error.message });
		redirect(303, '/rooms');
	}
};
