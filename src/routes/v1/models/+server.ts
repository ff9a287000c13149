import { json } from '@sveltejs/kit';
import { openAiError } from '$lib/server/openai';
import type { RequestHandler } from './$types';

/** The catalogue's runnable models, plus `auto` (the orchestrator picks). */
export const GET: RequestHandler = ({ locals }) => {
	if (!locals.user) return openAiError(401, 'Send an API key: Authorization: Bearer sy_…', 'invalid_api_key', 'authentication_error');
	const created = Math.floor(locals.app.startedAt / 1000);
	const models = locals.app.models
		.list()
		.filter((m) => m.present)
		.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.generated ? 'switchyard-generated' : 'local' }));
	return json({ object: 'list', data: [{ id: 'auto', object: 'model', created, owned_by: 'switchyard' }, ...models] });
};
