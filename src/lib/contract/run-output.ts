// What a run's answer must look like beyond sampling: JSON (free or matching a schema), tool calls, token
// probabilities, raw text completion. Plain data only (JSON schemas, tool definitions, flags), so a run request can
// be stored, checkpointed and handed to another process; grammars are built from it next to the model.
import { z } from 'zod';
import { grammarSchemaProblem } from './json-schema-subset';

const jsonSchemaObject = z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
	const problem = grammarSchemaProblem(schema);
	if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const responseFormatSchema = z.discriminatedUnion('type', [
	z.strictObject({ type: z.literal('text') }),
	/** Any JSON object. */
	z.strictObject({ type: z.literal('json_object') }),
	/** JSON matching `schema`. */
	z.strictObject({
		type: z.literal('json_schema'),
		name: z.string().min(1).max(64),
		schema: jsonSchemaObject,
		strict: z.boolean().default(false)
	})
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

const functionName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'function names are 1–64 letters, digits, _ or -');

export const toolSchema = z.strictObject({
	name: functionName,
	description: z.string().max(2000).optional(),
	/** JSON schema of the arguments object. */
	parameters: jsonSchemaObject.default({ type: 'object', properties: {} })
});
export type ToolDefinition = z.infer<typeof toolSchema>;

export const toolChoiceSchema = z.union([z.enum(['auto', 'none', 'required']), z.strictObject({ name: functionName })]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const runOutputSchema = z
	.strictObject({
		responseFormat: responseFormatSchema.optional(),
		tools: z.array(toolSchema).min(1).max(32).optional(),
		toolChoice: toolChoiceSchema.optional(),
		/** Several calls in one answer may be made (auto only; a forced choice makes exactly one call). */
		parallelToolCalls: z.boolean().default(true),
		/** Report each answer token's log probability, with this many alternatives (0–20). */
		topLogprobs: z.number().int().min(0).max(20).optional(),
		/** Text completion: continue the prompt as raw text, without the chat template. */
		rawCompletion: z.boolean().optional()
	})
	.superRefine((o, ctx) => {
		const choice = o.toolChoice;
		if (choice && typeof choice === 'object' && !o.tools?.some((t) => t.name === choice.name))
			ctx.addIssue({ code: 'custom', path: ['toolChoice'], message: `no tool named ${choice.name}` });
		if (o.tools && o.responseFormat && o.responseFormat.type !== 'text')
			ctx.addIssue({ code: 'custom', path: ['responseFormat'], message: 'a JSON response format and tools cannot be combined' });
	});
export type RunOutput = z.output<typeof runOutputSchema>;

/** One call of a tool the model made; `arguments` is the JSON text of the arguments object, as OpenAI sends it. */
export interface ToolCall {
	id: string;
	name: string;
	arguments: string;
}

/** One answer token and its log probability, with the likeliest alternatives at that position. */
export interface TokenLogprob {
	token: string;
	logprob: number;
	top: { token: string; logprob: number }[];
}

/** The tools the model may call for this output, after tool_choice: none when it says `none`. */
export function activeTools(output: RunOutput | undefined): ToolDefinition[] {
	if (!output?.tools || output.toolChoice === 'none') return [];
	const choice = output.toolChoice;
	return typeof choice === 'object' ? output.tools.filter((t) => t.name === choice.name) : output.tools;
}

/** The model must call a tool (required, or a named function) rather than decide for itself. */
export const toolCallForced = (output: RunOutput | undefined) =>
	activeTools(output).length > 0 && (output?.toolChoice === 'required' || typeof output?.toolChoice === 'object');

/** A call as the validator checks it: the tool's name and its arguments object. */
const callSchema = (tool: ToolDefinition) => ({
	type: 'object',
	properties: { name: { const: tool.name }, arguments: tool.parameters },
	required: ['name', 'arguments']
});

/**
 * What the output validator checks an answer against, and the text it checks: the answer itself for JSON response
 * formats and forced tool calls (the answer is the call), the list of calls when the model chose to call tools.
 */
export function answerCheck(
	output: RunOutput | undefined,
	answer: { text: string; toolCalls?: ToolCall[] }
): { text: string; jsonSchema: Record<string, unknown> } | undefined {
	const tools = activeTools(output);
	if (answer.toolCalls && answer.toolCalls.length > 0 && !toolCallForced(output)) {
		const calls = answer.toolCalls.map((c) => ({ name: c.name, arguments: safeParse(c.arguments) }));
		return { text: JSON.stringify(calls), jsonSchema: { type: 'array', items: { anyOf: tools.map(callSchema) } } };
	}
	if (toolCallForced(output))
		return { text: answer.text, jsonSchema: tools.length === 1 ? callSchema(tools[0]) : { anyOf: tools.map(callSchema) } };
	const format = output?.responseFormat;
	if (format?.type === 'json_object') return { text: answer.text, jsonSchema: { type: 'object' } };
	if (format?.type === 'json_schema') return { text: answer.text, jsonSchema: format.schema };
	return undefined;
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}
