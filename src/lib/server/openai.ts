import { json } from '@sveltejs/kit';
import { z } from 'zod';
import type { AppError } from '$contract/result';
import type { RunMetrics } from '$contract/runs';

/** OpenAI's error body, so OpenAI clients raise their usual exceptions. */
export function openAiError(status: number, message: string, code: string, type = 'invalid_request_error') {
	return json({ error: { message, type, code, param: null } }, { status });
}

const contentSchema = z.union([
	z.string(),
	// The array form: only text parts are understood here.
	z
		.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough())
		.transform((parts) => parts.map((p) => p.text ?? '').join(''))
]);

export const chatCompletionSchema = z.object({
	model: z.string().min(1).max(100),
	messages: z
		.array(
			z
				.object({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: contentSchema.nullable().transform((c) => c ?? '') })
				.passthrough()
		)
		.min(1, 'messages must not be empty')
		.max(200),
	stream: z.boolean().optional(),
	temperature: z.number().min(0).max(2).nullish(),
	top_p: z.number().gt(0).max(1).nullish(),
	max_tokens: z.number().int().min(1).max(8192).nullish(),
	max_completion_tokens: z.number().int().min(1).max(8192).nullish(),
	seed: z.number().int().min(0).nullish(),
	stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish()
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionSchema>;

export const finishReasonFor = (reason: string) => (reason === 'length' ? 'length' : 'stop');

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
