import { z } from 'zod';
import { roomIdSchema } from '$contract/rooms';
import { PROMPT_MAX_CHARS } from '$contract/runs';
import { missingKey, openAiError, runStartError } from '$lib/server/openai';
import { HARMLESS_FIELDS, readV1Request, samplingFields, samplingOf } from '$lib/server/openai-request';
import { answerRun } from '$lib/server/openai-run';
import type { RequestHandler } from './$types';

// What a run accepts as its prompt (runRequestSchema), checked here so its refusal names `prompt`.
const promptText = z
	.string()
	.refine((text) => text.trim().length > 0, 'The prompt is empty')
	.refine(
		(text) => text.trim().length <= PROMPT_MAX_CHARS,
		`The prompt is longer than ${PROMPT_MAX_CHARS.toLocaleString('en')} characters`
	);

const completionSchema = z.object({
	...samplingFields,
	prompt: z.union([promptText, z.array(promptText).length(1, 'only one prompt per request')]),
	echo: z.literal(false).nullish(),
	best_of: z.literal(1).nullish()
});
const FIELDS = [...Object.keys(completionSchema.shape), ...HARMLESS_FIELDS];

/** What text completions refuse on top of chat's refusals. */
const COMPLETION_REFUSALS: Record<string, string> = {
	suffix: 'suffix (insertion) is not supported',
	logprobs: 'logprobs are supported on /v1/chat/completions only'
};

function completionRefusal(body: Record<string, unknown>): [string, string] | undefined {
	for (const [field, reason] of Object.entries(COMPLETION_REFUSALS)) if (body[field] != null) return [field, reason];
	if (body.echo === true) return ['echo', 'echo is not supported'];
	if (body.best_of != null && body.best_of !== 1) return ['best_of', 'only best_of = 1 is supported'];
	return undefined;
}

/**
 * OpenAI-compatible text completion: the model continues the prompt as raw text, without the chat template. Runs
 * like chat completions (a run in the caller's room, `x-switchyard-run-id`), streamed or not.
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const { app, user } = locals;
	if (!user) return missingKey();
	const read = await readV1Request(request, app.config.v1MaxBodyBytes, completionSchema, FIELDS, completionRefusal);
	if (!read.ok) return read.response;
	const req = read.data;

	const roomHeader = request.headers.get('x-switchyard-room');
	if (roomHeader !== null && !roomIdSchema.safeParse(roomHeader).success)
		return openAiError(403, 'You are not a member of that room', 'room_forbidden', 'permission_error');
	const started = await app.runsService.start(user, {
		roomId: roomHeader ?? undefined,
		prompt: typeof req.prompt === 'string' ? req.prompt : req.prompt[0],
		mode: req.model === 'auto' ? 'orchestrated' : 'direct',
		modelId: req.model === 'auto' ? undefined : req.model,
		approvalGate: false,
		sampling: samplingOf(req),
		output: { rawCompletion: true, parallelToolCalls: true },
		conversation: [], // a completion continues its prompt alone, never the room's history
		apiLimits: { streamed: req.stream ?? false }
	});
	if (!started.ok) return runStartError(started.error);
	return answerRun(app, user, started.data, {
		kind: 'text',
		stream: req.stream ?? false,
		includeUsage: req.stream_options?.include_usage ?? false,
		toolCallAnswer: false
	});
};
