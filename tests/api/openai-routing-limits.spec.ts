import { expect, test } from '@playwright/test';
import OpenAI from 'openai';
import { apiKeyFor, runEvents } from './openai-client';

// /v1 on the production build: `model: "auto"` with tools routes to a model that calls functions, and max_tokens is
// a hard cap (a cut-off answer comes back as is, never retried with more tokens, streamed or not).
const lookup = {
	type: 'function' as const,
	function: {
		name: 'lookup_symbol',
		description: 'Find where a symbol is defined in the repository',
		parameters: { type: 'object', properties: { symbol: { type: 'string', maxLength: 24 } }, required: ['symbol'] }
	}
};
const codePrompt = 'Write a TypeScript function that adds two numbers.';

/** The validator found the answer cut off mid-answer (an error, which the retry ladder would act on). */
const cutOffError = (events: { type: string; data: Record<string, unknown> }[]) =>
	events.some(
		(e) =>
			e.type === 'validation.result' &&
			(e.data.findings as { code: string; severity: string }[]).some((f) => f.code === 'cut_off' && f.severity === 'error')
	);

async function sdk(playwright: Parameters<Parameters<typeof test>[2]>[0]['playwright'], baseURL: string) {
	const { key, v1 } = await apiKeyFor(playwright, baseURL, 'Router');
	return { key, openai: new OpenAI({ apiKey: key, baseURL: v1, maxRetries: 0 }) };
}

test('auto with tools routes to a model that calls functions, and says why', async ({ playwright, baseURL }) => {
	const { key, openai } = await sdk(playwright, baseURL!);
	const messages = [{ role: 'user' as const, content: codePrompt }];
	// Without tools the code model answers a code prompt…
	const plain = await openai.chat.completions.create({ model: 'auto', messages, max_tokens: 8, seed: 5 });
	expect(plain.model).toBe('sy-code');
	// …with tools, the catalogue's function caller does, ahead of the better coder.
	const { data, response } = await openai.chat.completions
		.create({ model: 'auto', messages, tools: [lookup], max_tokens: 16, seed: 5 })
		.withResponse();
	expect(data.model).toBe('sy-reason');
	const events = await runEvents(playwright, baseURL!, key, response.headers.get('x-switchyard-run-id')!);
	const routing = events.find((e) => e.type === 'routing.decided')!.data as { modelId: string; reasons: string[] };
	expect(routing.modelId).toBe('sy-reason');
	expect(routing.reasons[0]).toBe('calls functions: preferred because the run offers tools');
	expect(routing.reasons[1]).toMatch(/^ahead of higher-scoring sy-code \(/);
	const analysis = events.find((e) => e.type === 'node.finished' && e.data.node === 'taskAnalyzer')!.data.output as Record<string, unknown>;
	expect(analysis).toMatchObject({ task: 'code', needsTools: true });
});

test('max_tokens is a hard cap: a cut-off answer returns with finish_reason length, not a longer retry', async ({
	playwright,
	baseURL
}) => {
	const { key, openai } = await sdk(playwright, baseURL!);
	const messages = [{ role: 'user' as const, content: 'Tell me everything about the model cache and the rooms' }];
	const whole = await openai.chat.completions.create({ model: 'sy-tiny', messages, max_tokens: 20, seed: 3 }).withResponse();
	expect(whole.data.choices[0].finish_reason).toBe('length');
	expect(whole.data.usage!.completion_tokens).toBeLessThanOrEqual(20);
	const wholeEvents = await runEvents(playwright, baseURL!, key, whole.response.headers.get('x-switchyard-run-id')!);
	// Cut off mid-sentence: a room run would retry this with twice the tokens.
	expect(cutOffError(wholeEvents)).toBe(true);
	expect(wholeEvents.filter((e) => e.type === 'retry')).toEqual([]);
	expect(wholeEvents.find((e) => e.type === 'run.finished')).toBeDefined();

	const { data: stream, response } = await openai.chat.completions
		.create({ model: 'sy-tiny', messages, max_tokens: 20, seed: 3, stream: true, stream_options: { include_usage: true } })
		.withResponse();
	let text = '';
	let finish: string | null = null;
	let completionTokens = -1;
	for await (const chunk of stream) {
		text += chunk.choices[0]?.delta?.content ?? '';
		finish = chunk.choices[0]?.finish_reason ?? finish;
		if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
	}
	expect(finish).toBe('length');
	expect(completionTokens).toBeGreaterThan(0);
	expect(completionTokens).toBeLessThanOrEqual(20);
	const events = await runEvents(playwright, baseURL!, key, response.headers.get('x-switchyard-run-id')!);
	expect(cutOffError(events)).toBe(true);
	expect(events.filter((e) => e.type === 'retry')).toEqual([]);
	// What was streamed is exactly the one attempt's answer.
	expect(text).toBe((events.find((e) => e.type === 'run.answer')!.data as { text: string }).text);
});
