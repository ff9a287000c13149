// OpenAI messages as the run's conversation and prompt. Tool calls and tool results become plain turns in words the
// model reads (the run's conversation is plain role/content data, whatever process runs the model): an assistant
// turn that called tools says which, with which arguments; each `role: "tool"` result is a user turn that names the
// call it answers. The conversation ends with the user's message or the results of the last tool calls.
import { PROMPT_MAX_CHARS } from '$contract/runs';
import type { OpenAiMessage } from './openai-request';

export interface RunConversation {
	prompt: string;
	conversation: { role: 'system' | 'user' | 'assistant'; content: string }[];
}

export function runConversation(messages: OpenAiMessage[]): { ok: true; value: RunConversation } | { ok: false; message: string } {
	const names = new Map<string, string>(); // tool_call_id → function name
	const turns = messages.map((m) => {
		switch (m.role) {
			case 'developer':
			case 'system':
				return { role: 'system' as const, content: m.content };
			case 'user':
				return { role: 'user' as const, content: m.content };
			case 'assistant': {
				const calls = (m.tool_calls ?? []).map((c) => {
					names.set(c.id, c.function.name);
					return `Called ${c.function.name}(${c.function.arguments}) [${c.id}]`;
				});
				return { role: 'assistant' as const, content: [m.content, ...calls].filter(Boolean).join('\n') };
			}
			case 'tool':
				return {
					role: 'user' as const,
					content: `Result of ${names.get(m.tool_call_id) ?? 'a tool'} [${m.tool_call_id}]: ${m.content}`,
					tool: true
				};
		}
	});
	const last = messages.at(-1)!;
	if (last.role !== 'user' && last.role !== 'tool') return { ok: false, message: 'The last message must be from the user or a tool' };
	// Trailing tool results (one per parallel call) are answered together: they are the prompt.
	let start = turns.length - 1;
	if (last.role === 'tool') while (start > 0 && 'tool' in turns[start - 1]) start--;
	const prompt = turns
		.slice(start)
		.map((t) => t.content)
		.join('\n');
	if (!prompt.trim()) return { ok: false, message: 'The last message is empty' };
	if (prompt.trim().length > PROMPT_MAX_CHARS)
		return { ok: false, message: `The last message is longer than ${PROMPT_MAX_CHARS.toLocaleString('en')} characters` };
	return {
		ok: true,
		value: { prompt, conversation: turns.slice(0, start).map(({ role, content }) => ({ role, content })) }
	};
}
