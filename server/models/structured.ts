// Turns a run's output request (plain data: response format, tools, logprobs) into what generation needs next to
// the model: the JSON schema its grammar is built from, tool calls parsed from a constrained answer, and token log
// probabilities. Nothing here crosses a process boundary except the plain data it starts from.
import { randomBytes } from 'node:crypto';
import type { LlamaModel, Token } from 'node-llama-cpp';
import { toGrammarSchema } from '../../src/lib/contract/json-schema-subset';
import { activeTools, toolCallForced, type RunOutput, type TokenLogprob, type ToolCall } from '../../src/lib/contract/run-output';

/** What the answer's grammar is built from: a JSON schema (node-llama-cpp's JSON-schema grammar) or GBNF text. */
export type GrammarSource = { jsonSchema: Record<string, unknown> } | { gbnf: string };

/**
 * `json_object`: any flat JSON object, but with bounded keys, strings and numbers. node-llama-cpp's JSON-schema
 * grammar leaves free-form keys and number digits unbounded, and a small model then writes one key until the token
 * limit; this grammar keeps every answer closable within a few hundred tokens.
 */
const JSON_OBJECT_GBNF = [
	'root ::= "{" ws pair ("," ws pair){0,3} ws "}"',
	'pair ::= key ws ":" ws value',
	'key ::= "\\"" [a-zA-Z_] [a-zA-Z0-9_]{0,23} "\\""',
	'value ::= string | number | "true" | "false" | "null"',
	'string ::= "\\"" char{0,120} "\\""',
	'char ::= [^"\\\\\\x00-\\x1F] | "\\\\" ["\\\\/bfnrt]',
	'number ::= "-"? [0-9]{1,12} ("." [0-9]{1,6})?',
	'ws ::= [ \\n]{0,2}'
].join('\n');

/** The grammar source for a run's output, or undefined for free text. */
export function grammarSourceFor(output: RunOutput | undefined): GrammarSource | undefined {
	if (output?.responseFormat?.type === 'json_object' && !toolCallForced(output)) return { gbnf: JSON_OBJECT_GBNF };
	const jsonSchema = grammarSchemaFor(output);
	return jsonSchema ? { jsonSchema } : undefined;
}

/**
 * The JSON schema the answer's grammar enforces, or undefined. A forced tool choice is a JSON object
 * `{ "name": …, "arguments": … }` naming one of the allowed tools with arguments matching its parameters.
 */
export function grammarSchemaFor(output: RunOutput | undefined): Record<string, unknown> | undefined {
	if (toolCallForced(output)) {
		const calls = activeTools(output).map((tool) => ({
			type: 'object',
			properties: { name: { const: tool.name }, arguments: toGrammarSchema(tool.parameters) }
		}));
		return calls.length === 1 ? calls[0] : { oneOf: calls };
	}
	const format = output?.responseFormat;
	if (format?.type === 'json_schema') return toGrammarSchema(format.schema);
	return undefined;
}

/** An id for a tool call, unique enough to pair a `role: "tool"` result with its call. */
export const newToolCallId = () => `call_${randomBytes(9).toString('base64url')}`;

/** The call in a forced tool-call answer (`{ name, arguments }`), or undefined when the answer is not one. */
export function parseForcedToolCall(text: string): ToolCall[] | undefined {
	try {
		const value = JSON.parse(text) as { name?: unknown; arguments?: unknown };
		if (typeof value?.name !== 'string' || typeof value.arguments !== 'object' || value.arguments === null) return undefined;
		return [{ id: newToolCallId(), name: value.name, arguments: JSON.stringify(value.arguments) }];
	} catch {
		return undefined;
	}
}

/** One generated token's log probability and the `top` likeliest alternatives (the map comes sorted, likeliest first). */
export function tokenLogprob(
	model: LlamaModel,
	token: Token,
	probabilities: Map<Token, number>,
	top: number,
	previous: Token[]
): TokenLogprob {
	const logOf = (p: number | undefined) => (p && p > 0 ? Math.log(p) : -9999); // OpenAI's floor for "never"
	const alternatives: TokenLogprob['top'] = [];
	for (const [candidate, p] of probabilities) {
		if (alternatives.length >= top) break;
		alternatives.push({ token: model.detokenize([candidate], false, previous), logprob: logOf(p) });
	}
	// Decoded after the tokens before it, so a word's leading space is kept (SentencePiece drops it on its own).
	return { token: model.detokenize([token], false, previous), logprob: logOf(probabilities.get(token)), top: alternatives };
}
