import { roomIdSchema } from '$contract/rooms';
import { toolCallForced } from '$contract/run-output';
import { missingKey, openAiError, runStartError, unsupportedField } from '$lib/server/openai';
import { runConversation } from '$lib/server/openai-messages';
import { CHAT_FIELDS, chatCompletionSchema, outputOf, readV1Request, samplingOf } from '$lib/server/openai-request';
import { answerRun } from '$lib/server/openai-run';
import type { RequestHandler } from './$types';

/**
 * OpenAI-compatible chat completions. `model: "auto"` runs the orchestrated graph; a model id runs it directly.
 * The run lands in the room named by `x-switchyard-room` (or the caller's personal room) and its id comes back in
 * `x-switchyard-run-id`. Every field is honoured or refused with a 400 naming it (openai-request.ts).
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const { app, user } = locals;
	if (!user) return missingKey();
	const read = await readV1Request(request, app.config.v1MaxBodyBytes, chatCompletionSchema, CHAT_FIELDS);
	if (!read.ok) return read.response;
	const req = read.data;
	const turns = runConversation(req.messages);
	if (!turns.ok) return openAiError(400, turns.message, 'invalid_request', 'invalid_request_error', 'messages');
	const output = outputOf(req);
	if (!output.ok) return unsupportedField(output.refusal.param, output.refusal.message);

	const roomHeader = request.headers.get('x-switchyard-room');
	if (roomHeader !== null && !roomIdSchema.safeParse(roomHeader).success)
		return openAiError(403, 'You are not a member of that room', 'room_forbidden', 'permission_error');
	// Everything about the run is set here (nothing from the room's draft): an API call means what it says.
	const started = await app.runsService.start(user, {
		roomId: roomHeader ?? undefined,
		prompt: turns.value.prompt,
		mode: req.model === 'auto' ? 'orchestrated' : 'direct',
		modelId: req.model === 'auto' ? undefined : req.model,
		approvalGate: false,
		sampling: samplingOf(req),
		output: output.output,
		conversation: turns.value.conversation,
		// A forced tool call is not streamed as text, so a retry of it shows the caller nothing twice.
		apiLimits: { streamed: (req.stream ?? false) && !toolCallForced(output.output) }
	});
	if (!started.ok) return runStartError(started.error);
	return answerRun(app, user, started.data, {
		kind: 'chat',
		stream: req.stream ?? false,
		includeUsage: req.stream_options?.include_usage ?? false,
		toolCallAnswer: toolCallForced(output.output)
	});
};
