import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Readiness: each dependency checked, 503 when any fails. No auth, no secrets in the answer. */
export const GET: RequestHandler = async ({ locals }) => {
	const checks = await locals.app.readiness();
	const ready = checks.every((c) => c.ok);
	return json({ status: ready ? 'ready' : 'not_ready', checks }, { status: ready ? 200 : 503 });
};
