import { json } from '@sveltejs/kit';
import { missingKey, openAiError } from '$lib/server/openai';
import type { RequestHandler } from './$types';

/** One model of GET /v1/models, or 404 model_not_found. */
export const GET: RequestHandler = ({ locals, params }) => {
	if (!locals.user) return missingKey();
	const created = Math.floor(locals.app.startedAt / 1000);
	if (params.model === 'auto') return json({ id: 'auto', object: 'model', created, owned_by: 'switchyard' });
	const model = locals.app.models.list().find((m) => m.id === params.model && m.present);
	if (!model) return openAiError(404, `No runnable model named ${params.model}`, 'model_not_found');
	return json({ id: model.id, object: 'model', created, owned_by: model.generated ? 'switchyard-generated' : 'local' });
};
