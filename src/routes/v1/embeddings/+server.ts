import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { roomIdSchema } from '$contract/rooms';
import { modelIdSchema } from '$contract/runs';
import { missingKey, openAiError, unsupportedField } from '$lib/server/openai';
import { HARMLESS_FIELDS, readV1Request } from '$lib/server/openai-request';
import type { RequestHandler } from './$types';

const embeddingsSchema = z.object({
	model: modelIdSchema,
	input: z.union([z.string().min(1).max(32_000), z.array(z.string().min(1).max(32_000)).min(1).max(64)]),
	encoding_format: z.enum(['float', 'base64']).nullish()
});
const FIELDS = [...Object.keys(embeddingsSchema.shape), ...HARMLESS_FIELDS];

/** Little-endian float32, base64: what OpenAI sends for `encoding_format: "base64"` (the SDK's default). */
const base64Of = (vector: number[]) => Buffer.from(new Float32Array(vector).buffer).toString('base64');

/**
 * OpenAI-compatible embeddings from node-llama-cpp's embedding contexts. Each call is an entry in the activity feed
 * of the room named by `x-switchyard-room` (or the caller's personal room).
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const { app, user } = locals;
	if (!user) return missingKey();
	const read = await readV1Request(request, app.config.v1MaxBodyBytes, embeddingsSchema, FIELDS, (body) =>
		body.dimensions != null ? ['dimensions', 'the models embed at their own size; dimensions is not supported'] : undefined
	);
	if (!read.ok) return read.response;
	const req = read.data;
	if (req.model === 'auto') return unsupportedField('model', 'embeddings need a named model (GET /v1/models)');
	if (!app.models.spec(req.model)) return openAiError(404, `No runnable model named ${req.model}`, 'model_not_found');

	const roomHeader = request.headers.get('x-switchyard-room');
	if (roomHeader !== null && !roomIdSchema.safeParse(roomHeader).success)
		return openAiError(403, 'You are not a member of that room', 'room_forbidden', 'permission_error');
	const roomId = roomHeader ?? (await app.rooms.personalRoomId(user));
	const may = await app.rooms.maySteer(user, roomId);
	if (!may.ok) return openAiError(403, may.error.message, 'room_forbidden', 'permission_error');

	const inputs = typeof req.input === 'string' ? [req.input] : req.input;
	let result;
	try {
		result = await app.models.embed(req.model, inputs, request.signal);
	} catch (error) {
		const modelError = error as { code?: string; message?: string };
		if (modelError.code === 'bad_request')
			return openAiError(400, modelError.message ?? 'Bad input', 'invalid_request', 'invalid_request_error', 'input');
		app.logger.warn({ err: error, modelId: req.model }, 'embedding failed');
		return openAiError(503, `${req.model} cannot embed right now`, 'model_unavailable', 'server_error');
	}
	await app.activity.record(roomId, user, 'embeddings.created', null, `${inputs.length} text(s) with ${req.model}`);
	return json({
		object: 'list',
		model: req.model,
		data: result.vectors.map((vector, index) => ({
			object: 'embedding',
			index,
			embedding: req.encoding_format === 'base64' ? base64Of(vector) : vector
		})),
		usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens }
	});
};
