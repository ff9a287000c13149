// What `/v1` accepts, field by field: honoured fields become a run request; fields that would change the answer in
// ways the local models cannot honour are refused with a 400 naming them; harmless ones (user, metadata, …) are
// accepted and have no effect. docs/PROTOCOL.md lists the same table.
import { z } from 'zod';
import { grammarSchemaProblem } from '$contract/json-schema-subset';
import { runOutputSchema, type RunOutput } from '$contract/run-output';
import { modelIdSchema, type Sampling } from '$contract/runs';
import { describeZodError } from '$contract/zod-error';
import { openAiError, readJsonBody, unsupportedField } from './openai';

/** Accepted and ignored: they label or route the request, they do not change the answer. */
export const HARMLESS_FIELDS = ['user', 'metadata', 'store', 'service_tier', 'prompt_cache_key', 'safety_identifier'] as const;

/**
 * Fields that change the answer and cannot be honoured here, with why (the 400's message). A Map, not an object
 * literal: field names come from the client, and `valueOf` or `__proto__` would find Object.prototype's members.
 */
const REFUSED = new Map<string, (value: unknown) => string | undefined>(
	Object.entries({
		n: (v) => (v === 1 ? undefined : 'only n = 1 is supported (one choice per request; send parallel requests instead)'),
		logit_bias: (v) => (isEmpty(v) ? undefined : 'logit_bias is not supported'),
		frequency_penalty: (v) => (v === 0 ? undefined : 'frequency_penalty is not supported (only 0)'),
		presence_penalty: (v) => (v === 0 ? undefined : 'presence_penalty is not supported (only 0)'),
		modalities: (v) => (Array.isArray(v) && v.every((m) => m === 'text') ? undefined : 'only the text modality is supported'),
		audio: () => 'audio output is not supported',
		prediction: () => 'predicted outputs are not supported',
		web_search_options: () => 'web search is not supported',
		reasoning_effort: () => 'reasoning_effort is not supported by the local models',
		verbosity: () => 'verbosity is not supported',
		functions: () => 'the deprecated functions field is not supported: use tools',
		function_call: () => 'the deprecated function_call field is not supported: use tool_choice'
	})
);

const isEmpty = (v: unknown) => typeof v === 'object' && v !== null && Object.keys(v).length === 0;

/** The first refused field in a request body: [field, reason]. Null and absent fields are never refused. */
export function refusedField(body: Record<string, unknown>, known: readonly string[]): [string, string] | undefined {
	for (const [field, value] of Object.entries(body)) {
		if (value === null || value === undefined) continue;
		const refuse = REFUSED.get(field);
		const reason = refuse ? refuse(value) : known.includes(field) ? undefined : `${field} is not a supported field`;
		if (reason) return [field, reason];
	}
	return undefined;
}

/**
 * A /v1 body read within V1_MAX_BODY_BYTES and screened: an endpoint's own refusals first (`refuse` returns
 * [field, reason]), then the fields no endpoint honours and any unknown one, each a 400 naming it; then `schema`.
 */
export async function readV1Request<S extends z.ZodType>(
	request: Request,
	maxBytes: number,
	schema: S,
	known: readonly string[],
	refuse: (body: Record<string, unknown>) => [string, string] | undefined = () => undefined
): Promise<{ ok: true; data: z.infer<S> } | { ok: false; response: Response }> {
	const read = await readJsonBody(request, maxBytes);
	if (!read.ok) return read;
	const refused = refuse(read.body) ?? refusedField(read.body, known);
	if (refused) return { ok: false, response: unsupportedField(...refused) };
	const parsed = schema.safeParse(read.body);
	if (!parsed.success)
		return {
			ok: false,
			response: openAiError(400, describeZodError(parsed.error), 'invalid_request', 'invalid_request_error', paramOf(parsed.error))
		};
	return { ok: true, data: parsed.data };
}

/** The field a failed parse is about, as OpenAI names it (`messages[0].content`); null for the body as a whole. */
function paramOf(error: z.ZodError): string | null {
	const path = error.issues[0]?.path ?? [];
	const param = path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
	return param || null;
}

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const contentSchema = z.union([
	z.string(),
	z.array(textPart, { error: 'only text content parts are supported' }).transform((parts) => parts.map((p) => p.text).join(''))
]);

const toolCallSchema = z.object({
	id: z.string().max(100),
	type: z.literal('function'),
	function: z.object({ name: z.string().max(64), arguments: z.string().max(32_000) })
});

export const messageSchema = z.discriminatedUnion('role', [
	z.object({ role: z.enum(['system', 'developer', 'user']), content: contentSchema, name: z.string().optional() }),
	z.object({
		role: z.literal('assistant'),
		content: contentSchema.nullish().transform((c) => c ?? ''),
		tool_calls: z.array(toolCallSchema).max(32).optional(),
		name: z.string().optional(),
		refusal: z.string().nullish()
	}),
	z.object({ role: z.literal('tool'), content: contentSchema, tool_call_id: z.string().max(100) })
]);
export type OpenAiMessage = z.infer<typeof messageSchema>;

const responseFormatSchema = z.discriminatedUnion('type', [
	z.object({ type: z.literal('text') }),
	z.object({ type: z.literal('json_object') }),
	z.object({
		type: z.literal('json_schema'),
		json_schema: z.object({
			name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'json_schema.name is 1–64 letters, digits, _ or -'),
			description: z.string().optional(),
			schema: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
			strict: z.boolean().nullish()
		})
	})
]);

const toolSchema = z.object({
	type: z.literal('function'),
	function: z.object({
		name: z.string(),
		description: z.string().optional(),
		parameters: z.record(z.string(), z.unknown()).optional(),
		strict: z.boolean().nullish()
	})
});

const toolChoiceSchema = z.union([
	z.enum(['auto', 'none', 'required']),
	z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })
]);

/** Sampling fields shared by chat and text completions. */
export const samplingFields = {
	model: modelIdSchema, // the run's own rule, so a run never refuses what /v1 accepted (and names modelId)
	stream: z.boolean().nullish(),
	stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
	temperature: z.number().min(0).max(2).nullish(),
	top_p: z.number().gt(0).max(1).nullish(),
	max_tokens: z.number().int().min(1).max(8192).nullish(),
	seed: z
		.number()
		.int()
		.min(0)
		.max(2 ** 31 - 1)
		.nullish(),
	stop: z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).max(4)]).nullish(),
	n: z.number().int().nullish()
};

export const chatCompletionSchema = z.object({
	...samplingFields,
	messages: z.array(messageSchema).min(1, 'messages must not be empty').max(200),
	max_completion_tokens: z.number().int().min(1).max(8192).nullish(),
	response_format: responseFormatSchema.nullish(),
	tools: z.array(toolSchema).min(1).max(32).nullish(),
	tool_choice: toolChoiceSchema.nullish(),
	parallel_tool_calls: z.boolean().nullish(),
	logprobs: z.boolean().nullish(),
	top_logprobs: z.number().int().min(0).max(20).nullish()
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionSchema>;
export const CHAT_FIELDS = [...Object.keys(chatCompletionSchema.shape), ...HARMLESS_FIELDS];

export type Refusal = { param: string; message: string };

/** The run's sampling from OpenAI's names. */
export function samplingOf(req: {
	temperature?: number | null;
	top_p?: number | null;
	max_tokens?: number | null;
	max_completion_tokens?: number | null;
	seed?: number | null;
	stop?: string | string[] | null;
}): Sampling {
	return {
		temperature: req.temperature ?? undefined,
		topP: req.top_p ?? undefined,
		maxTokens: req.max_completion_tokens ?? req.max_tokens ?? undefined,
		seed: req.seed ?? undefined,
		stop: typeof req.stop === 'string' ? [req.stop] : (req.stop ?? undefined)
	};
}

/** The run's output request (JSON, tools, logprobs), or the field that cannot be honoured. */
export function outputOf(req: ChatCompletionRequest): { ok: true; output: RunOutput | undefined } | { ok: false; refusal: Refusal } {
	const format = req.response_format;
	if (format?.type === 'json_schema') {
		const problem = grammarSchemaProblem(format.json_schema.schema);
		if (problem) return { ok: false, refusal: { param: 'response_format.json_schema.schema', message: problem } };
	}
	for (const [i, tool] of (req.tools ?? []).entries()) {
		const problem = tool.function.parameters && grammarSchemaProblem(tool.function.parameters);
		if (problem) return { ok: false, refusal: { param: `tools[${i}].function.parameters`, message: problem } };
	}
	if (req.top_logprobs != null && !req.logprobs) return refuse('top_logprobs', 'top_logprobs needs logprobs: true');
	if (req.logprobs && req.stream) return refuse('logprobs', 'logprobs are returned on non-streamed answers only');
	if (req.logprobs && req.tools && req.tool_choice !== 'none') return refuse('logprobs', 'logprobs cannot be combined with tools');
	const choice = req.tool_choice;
	const output = {
		responseFormat:
			format?.type === 'json_schema'
				? {
						type: 'json_schema' as const,
						name: format.json_schema.name,
						schema: format.json_schema.schema,
						strict: format.json_schema.strict ?? false
					}
				: (format ?? undefined),
		tools: req.tools?.map((t) => ({
			name: t.function.name,
			description: t.function.description,
			parameters: t.function.parameters ?? { type: 'object', properties: {} }
		})),
		toolChoice: typeof choice === 'object' && choice ? { name: choice.function.name } : (choice ?? undefined),
		parallelToolCalls: req.parallel_tool_calls ?? true,
		topLogprobs: req.logprobs ? (req.top_logprobs ?? 0) : undefined
	};
	const parsed = runOutputSchema.safeParse(output);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const param = issue.path[0] === 'toolChoice' ? 'tool_choice' : issue.path[0] === 'tools' ? 'tools' : 'response_format';
		return refuse(param, issue.message);
	}
	const used = parsed.data.responseFormat || parsed.data.tools || parsed.data.topLogprobs !== undefined;
	return { ok: true, output: used ? parsed.data : undefined };
}

const refuse = (param: string, message: string) => ({ ok: false as const, refusal: { param, message } });
