import { error, redirect } from '@sveltejs/kit';
import { httpStatus } from '$contract/result';
import { formFailure } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

// Opening an invite link shows what it leads to; joining is a POST (a GET must not change state: link previews,
// prefetching and <img src> would otherwise join rooms on someone's behalf).
export const load: PageServerLoad = async ({ locals, params, url }) => {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	const invite = await locals.app.rooms.previewInvite(locals.user, params.token);
	if (!invite.ok) error(invite.error.code === 'not_found' ? 404 : 403, invite.error.message);
	if (invite.data.member) redirect(303, `/rooms/${invite.data.roomId}`);
	return { invite: invite.data };
};

export const actions: Actions = {
	default: async ({ locals, params }) => {
		if (!locals.user) error(401, 'Sign in first');
		const joined = await locals.app.rooms.joinByInvite(locals.user, params.token);
		if (!joined.ok) return formFailure(httpStatus[joined.error.code], { form: joined.error.message });
		redirect(303, `/rooms/${joined.data.id}`);
	}
};
