// A tool call as the live graph marks it on the executor: the function's name, a short preview of its arguments,
// and a sentence for screen readers. Pure, so the preview rules are tested without a browser.
import type { RunEventData } from '../contract/runs';

export interface ToolCallMark {
	id: string;
	name: string;
	modelId: string;
	/** The attempt that made the call (1 = the first; a retry or fallback model makes its own). */
	attempt: number;
	/** `city: "Paris", unit: "c"`, shortened to fit on the graph. */
	preview: string;
	/** The whole call in words, for assistive technology and the mark's tooltip. */
	label: string;
}

/** How much of the arguments fits beside the name on the graph. */
export const PREVIEW_CHARS = 48;

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `key: value` pairs of an arguments object, values as compact JSON; the raw text when it is not an object. */
export function argumentsPreview(argumentsText: string, max = PREVIEW_CHARS): string {
	let value: unknown;
	try {
		value = JSON.parse(argumentsText);
	} catch {
		return shorten(argumentsText.replace(/\s+/g, ' ').trim(), max);
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return shorten(JSON.stringify(value), max);
	const pairs = Object.entries(value).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
	return shorten(pairs.join(', '), max);
}

export function toolCallMark(call: RunEventData['tool.call'], attempt: number): ToolCallMark {
	const whole = argumentsPreview(call.arguments, 400);
	return {
		id: call.id,
		name: call.name,
		modelId: call.modelId,
		attempt,
		preview: argumentsPreview(call.arguments),
		label: `Tool call ${call.name}(${whole}) by ${call.modelId}${attempt > 1 ? `, attempt ${attempt}` : ''}`
	};
}

/** Adds a call, once per id (a replayed event must not draw a second mark). */
export function withToolCall(marks: readonly ToolCallMark[], mark: ToolCallMark): ToolCallMark[] {
	return marks.some((m) => m.id === mark.id) ? [...marks] : [...marks, mark];
}
