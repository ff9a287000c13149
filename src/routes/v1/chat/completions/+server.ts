import { json } from '@sveltejs/kit';
import { roomIdSchema } from '$contract/rooms';
import type { RunEvent, RunRequest } from '$contract/runs';
import { chatCompletionSchema, finishReasonFor, openAiError, usage } from '$lib/server/openai';
import type { RequestHandler } from './$types';

/**
 * OpenAI-compatible chat completions. `model: "auto"` runs the orchestrated graph; a model id runs it directly.
 * The run lands in the room named by `x-switchyard-room` (or the caller's personal room) and its id comes back in
 * `x-switchyard-run-id`.
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const { app, user } = locals;
	if (!user) return openAiError(401, 'Send an API key: Authorization: Bearer sy_…', 'invalid_api_key', 'authentication_error');
	let body: unknown;
	try {
		body = await request.json();
	} catch {
		return openAiError(400, 'Body is not valid JSON', 'invalid_json');
	}
	const parsed = chatCompletionSchema.safeParse(body);
	if (!parsed.success) return openAiError(400, `${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`, 'invalid_request');
	const req = parsed.data;
	const last = req.messages.at(-1)!;
	if (last.role !== 'user') return openAiError(400, 'The last message must be from the user', 'invalid_request');
	if (req.model !== 'auto' && !app.models.spec(req.model)) return openAiError(404, `The model ${req.model} does not exist or is not downloaded`, 'model_not_found');

	const roomHeader = request.headers.get('x-switchyard-room');
	let roomId: string;
	if (roomHeader) {
		if (!roomIdSchema.safeParse(roomHeader).success || !(await app.rooms.isMember(user, roomHeader))) {
			return openAiError(403, 'You are not a member of that room', 'room_forbidden', 'permission_error');
		}
		const may = await app.rooms.maySteer(user, roomHeader);
		if (!may.ok) return openAiError(403, may.error.message, 'room_forbidden', 'permission_error');
		roomId = roomHeader;
	} else roomId = await app.rooms.personalRoomId(user);

	const runRequest: RunRequest = {
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
		}
	};
	if (!last.content.trim()) return openAiError(400, 'The last user message is empty', 'invalid_request');
	const conversation = req.messages.slice(0, -1).map((m) => ({ role: m.role === 'developer' ? ('system' as const) : m.role, content: m.content }));
	const run = await app.orchestrator.start({ roomId, authorId: user.id, request: runRequest, conversation });
	const id = `chatcmpl-${run.id}`;
	const created = Math.floor(run.createdAt / 1000);
	const headers = { 'x-switchyard-run-id': run.id };

	if (!req.stream) {
		const done = await app.orchestrator.waitForRun(run.id);
		if (!done || done.status !== 'succeeded') {
			return openAiError(done?.status === 'cancelled' ? 499 : 500, done?.error ?? `The run ended ${done?.status ?? 'unexpectedly'}`, 'run_failed', 'server_error');
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
				send({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
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
			stop = await app.orchestrator.follow(run.id, 0, onEvent);
			if (closed) stop(); // the run ended while its past events were being replayed
		},
		cancel() {
			// The client went away: stop listening and stop the model.
			closed = true;
			stop();
			void app.orchestrator.cancel(run.id, user.id);
		}
	});
	return new Response(stream, { headers: { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' } });
};
