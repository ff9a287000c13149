import { error, json } from '@sveltejs/kit';
import { createApiKeySchema } from '$contract/auth';
import { overLimit, readJson, requireUser } from '$lib/server/api';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	return json({ keys: await event.locals.app.auth.listApiKeys(user.id) });
};

/** Creates a key; the full key is in this response only. A signed-in session only: a leaked key cannot mint more. */
export const POST: RequestHandler = async (event) => {
	const user = requireUser(event);
	if (!event.locals.session)
		error(403, { message: 'API keys can only be created from a signed-in session, not with an API key', code: 'forbidden' });
	const { name } = await readJson(event, createApiKeySchema);
	const limited = await overLimit(event.locals.app.limits.apiKeyCreate, user.id);
	if (limited) return limited;
	return json(await event.locals.app.auth.createApiKey(user.id, name), { status: 201 });
};
