import { error, redirect } from '@sveltejs/kit';
import { httpStatus } from '$contract/result';
import { createRoomSchema, publicRoomCursorSchema, roomIdSchema } from '$contract/rooms';
import { formFailure, parseForm, readForm } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	const cursor = publicRoomCursorSchema.safeParse(url.searchParams.get('publicBefore'));
	return await locals.app.rooms.list(locals.user, { publicBefore: cursor.success ? cursor.data : undefined });
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		const form = parseForm(await readForm(request), createRoomSchema, ['name']);
		if (!form.ok) return form.failure;
		const limited = await locals.app.limits.roomCreate.take(locals.user.id);
		if (!limited.ok) return formFailure(429, { form: limited.error.message }, { name: form.data.name });
		const room = await locals.app.rooms.create(locals.user, form.data);
		redirect(303, `/rooms/${room.id}`);
	},
	join: async ({ request, locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		const roomId = roomIdSchema.safeParse((await readForm(request)).get('roomId'));
		if (!roomId.success) return formFailure(400, { form: 'Unknown room' });
		const joined = await locals.app.rooms.join(locals.user, roomId.data);
		if (!joined.ok) return formFailure(httpStatus[joined.error.code], { form: joined.error.message });
		redirect(303, `/rooms/${roomId.data}`);
	}
};
