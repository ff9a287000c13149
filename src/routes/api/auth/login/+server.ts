import { json } from '@sveltejs/kit';
import { loginSchema } from '$contract/auth';
import { clientKey, errorJson, readJson } from '$lib/server/api';
import { setSessionCookie } from '$lib/server/session-cookie';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const input = await readJson(event, loginSchema);
	const { app } = event.locals;
	const result = await app.auth.login({ ...input, clientKey: clientKey(event) });
	if (!result.ok) return errorJson(result.error, result.error.code === 'rate_limited' ? { 'retry-after': '60' } : undefined);
	const { token, session } = await app.auth.createSession(result.data.id);
	setSessionCookie(event.cookies, token, session.expiresAt, app.config.secureCookies);
	return json({ user: result.data });
};
