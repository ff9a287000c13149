import { error, redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	if (locals.user.role !== 'admin') error(403, { message: 'Admins only', code: 'forbidden' });
	const [overview, users] = await Promise.all([locals.app.admin.overview(), locals.app.admin.listUsers()]);
	return { overview, users };
};
