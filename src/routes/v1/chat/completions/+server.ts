import { json } from '@sveltejs/kit';
import { roomIdSchema } from '$contract/rooms';
import { describeZodError } from '$contract/zod-error';
import type { RunEvent } from '$contract/runs';
import { readTextWithin } from '$lib/server/body';
import { chatCompletionSchema, finishReasonFor, openAiError, runStartError, usage } from '$lib/server/openai';
import type { RequestHandler } from './$types';

/**
 * OpenAI-compatible chat completions. `model: "auto"` runs the orchestrated graph; a model id runs it directly.
 * The run lands in the room named by `x-switchyard-room` (or the caller's personal room) and its id comes back in
 * `x-switchyard-run-id`.
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const { app, user } = locals;
	if (!user) return openAiError(401, 'Send an API key: Authorization: Bearer sy_…', 'invalid_api_key', 'authentication_error');
	const maxBytes = app.config.v1MaxBodyBytes;
	const text = await readTextWithin(request, maxBytes);
	if (text === null) return openAiError(413, `The request body is larger than ${maxBytes} bytes (V1_MAX_BODY_BYTES)`, 'request_too_large');
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		return openAiError(400, 'Body is not valid JSON', 'invalid_json');
	}
	const parsed = chatCompletionSchema.safeParse(body);
	if (!parsed.success) return openAiError(400, describeZodError(parsed.error), 'invalid_request');
	const req = parsed.data;
	const last = req.messages.at(-1)!;
	if (last.role !== 'user') return openAiError(400, 'The last message must be from the user', 'invalid_request');

	const roomHeader = request.headers.get('x-switchyard-room');
	if (roomHeader !== null && !roomIdSchema.safeParse(roomHeader).success)
		return openAiError(403, 'You are not a member of that room', 'room_forbidden', 'permission_error');
	// Everything about the run is set here (nothing from the room's draft): an API call means what it says.
	const started = await app.runsService.start(user, {
		roomId: roomHeader ?? undefined,
		prompt: last.content,
		mode: req.model === 'auto' ? 'orchestrated' : 'direct',
		modelId: req.model === 'auto' ? undefined : req.model,
		approvalGate: false,
		sampling: {
			temperature: req.temperature ?? undefined,
			topP: req.top_p ?? undefined,
			maxTokens: req.max_completion_tokens ?? req.max_tokens ?? undefined,
			seed: req.seed ?? undefined,
			stop: typeof req.stop === 'string' ? [req.stop] : (req.stop ?? undefined)
		},
		conversation: req.messages
			.slice(0, -1)
			.map((m) => ({ role: m.role === 'developer' ? ('system' as const) : m.role, content: m.content }))
	});
	if (!started.ok) return runStartError(started.error);
	const run = started.data;
	const id = `chatcmpl-${run.id}`;
	const created = Math.floor(run.createdAt / 1000);
	const headers = { 'x-switchyard-run-id': run.id };

	if (!req.stream) {
		const settled = await app.runsService.settled(user, run.id);
		const done = settled.ok ? settled.data : undefined;
		if (!done || (done.status !== 'succeeded' && done.status !== 'failed_validation')) {
			return openAiError(
				done?.status === 'cancelled' ? 499 : 500,
				done?.error ?? `The run ended ${done?.status ?? 'unexpectedly'}`,
				'run_failed',
				'server_error'
			);
		}
		return json(
			{
				id,
				object: 'chat.completion',
				created,
				model: done.modelId,
				choices: [{ index: 0, message: { role: 'assistant', content: done.answer ?? '' }, finish_reason: 'stop', logprobs: null }],
				usage: usage(done.metrics)
			},
			{ headers }
		);
	}

	const encoder = new TextEncoder();
	let stop = () => {};
	let closed = false;
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (data: unknown) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`));
			const chunk = (model: string | null, delta: Record<string, string>, finish: string | null) =>
				send({
					id,
					object: 'chat.completion.chunk',
					created,
					model,
					choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }]
				});
			let model: string | null = run.modelId;
			let answerModel: string | null = null;
			let finish = 'stop';
			chunk(model, { role: 'assistant', content: '' }, null);
			const onEvent = (e: RunEvent) => {
				if (closed) return;
				if (e.type === 'model.loaded') model = e.data.modelId;
				// Retries stream again: only the attempt that the validator accepts is the answer, so tokens of the current attempt are sent as they come.
				if (e.type === 'tokens') {
					answerModel = e.data.modelId;
					chunk(e.data.modelId, { content: e.data.text }, null);
				}
				if (e.type === 'run.answer') finish = finishReasonFor(e.data.finishReason);
				if (e.type === 'run.finished' || e.type === 'run.failed' || e.type === 'run.cancelled') {
					if (e.type === 'run.failed') send({ error: { message: e.data.error, type: 'server_error', code: e.data.code } });
					chunk(answerModel ?? model, {}, finish);
					controller.enqueue(encoder.encode('data: [DONE]\n\n'));
					closed = true;
					stop();
					controller.close();
				}
			};
			const following = await app.runsService.follow(user, run.id, 0, onEvent);
			if (following.ok) stop = following.data;
			if (closed) stop(); // the run ended while its past events were being replayed
		},
		cancel() {
			// The client went away: stop listening and stop the model.
			closed = true;
			stop();
			void app.runsService.cancel(user, run.id);
		}
	});
	return new Response(stream, {
		headers: { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' }
	});
};
