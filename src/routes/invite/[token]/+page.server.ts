import { error, redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

// Opening an invite link joins its room (after signing in, if needed) and lands in it.
export const load: PageServerLoad = async ({ locals, params, url }) => {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	const joined = await locals.app.rooms.joinByInvite(locals.user, params.token);
	if (!joined.ok) error(404, joined.error.message);
	redirect(303, `/rooms/${joined.data.id}`);
};
