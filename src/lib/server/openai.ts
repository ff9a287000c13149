import { json } from '@sveltejs/kit';
import { readTextWithin } from './body';
import type { AppError } from '$contract/result';
import type { RunMetrics } from '$contract/runs';

/** OpenAI's error body, so OpenAI clients raise their usual exceptions. */
export function openAiError(status: number, message: string, code: string, type = 'invalid_request_error', param: string | null = null) {
	return json({ error: { message, type, code, param } }, { status });
}

/** A 400 for a field that cannot be honoured, naming it (OpenAI clients show `param`). */
export const unsupportedField = (param: string, message: string) =>
	openAiError(400, `${param}: ${message}`, 'unsupported_parameter', 'invalid_request_error', param);

export const missingKey = () => openAiError(401, 'Send an API key: Authorization: Bearer sy_…', 'invalid_api_key', 'authentication_error');

/** The JSON body of a /v1 request within V1_MAX_BODY_BYTES, or the OpenAI-shaped error to answer. */
export async function readJsonBody(
	request: Request,
	maxBytes: number
): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; response: Response }> {
	const text = await readTextWithin(request, maxBytes);
	if (text === null)
		return {
			ok: false,
			response: openAiError(413, `The request body is larger than ${maxBytes} bytes (V1_MAX_BODY_BYTES)`, 'request_too_large')
		};
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		return { ok: false, response: openAiError(400, 'Body is not valid JSON', 'invalid_json') };
	}
	if (typeof body !== 'object' || body === null || Array.isArray(body))
		return { ok: false, response: openAiError(400, 'The body must be a JSON object', 'invalid_request') };
	return { ok: true, body: body as Record<string, unknown> };
}

export const finishReasonFor = (reason: string) => (reason === 'length' ? 'length' : reason === 'tool_calls' ? 'tool_calls' : 'stop');

export function usage(metrics: RunMetrics | null) {
	const prompt = metrics?.promptTokens ?? 0;
	const completion = metrics?.completionTokens ?? 0;
	return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A runs-service refusal in OpenAI's error shape. */
export function runStartError(err: AppError) {
	switch (err.code) {
		case 'not_found':
			return openAiError(404, err.message, 'model_not_found');
		case 'forbidden':
			return openAiError(403, err.message, 'room_forbidden', 'permission_error');
		case 'conflict':
			return openAiError(409, err.message, 'model_unavailable');
		case 'rate_limited':
			return openAiError(429, err.message, 'rate_limit_exceeded', 'rate_limit_error');
		case 'bad_request':
			return openAiError(400, err.message, 'invalid_request');
		default:
			return openAiError(500, err.message, 'server_error', 'server_error');
	}
}
