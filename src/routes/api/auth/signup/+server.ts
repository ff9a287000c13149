import { json } from '@sveltejs/kit';
import { signupSchema } from '$contract/auth';
import { clientKey, errorJson, overLimit, readJson } from '$lib/server/api';
import { setSessionCookie } from '$lib/server/session-cookie';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async (event) => {
	const input = await readJson(event, signupSchema);
	const { app } = event.locals;
	// Before the password is hashed: each signup costs an Argon2 hash (SIGNUP_RATE_PER_MINUTE per client address).
	const limited = await overLimit(app.limits.signup, clientKey(event));
	if (limited) return limited;
	const created = await app.auth.signup(input);
	if (!created.ok) return errorJson(created.error);
	const { token, session } = await app.auth.createSession(created.data.id);
	setSessionCookie(event.cookies, token, session.expiresAt, app.config.secureCookies);
	return json({ user: created.data }, { status: 201 });
};
