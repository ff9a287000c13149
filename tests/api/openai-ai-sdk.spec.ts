import { expect, test } from '@playwright/test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, streamText, tool } from 'ai';
import { z } from 'zod';
import { apiKeyFor } from './openai-client';

// The Vercel AI SDK's OpenAI-compatible provider against /v1: generateObject and streamText with tools.
async function provider(playwright: Parameters<Parameters<typeof test>[2]>[0]['playwright'], baseURL: string) {
	const { key, v1 } = await apiKeyFor(playwright, baseURL, 'AiSdk');
	return createOpenAICompatible({ name: 'switchyard', baseURL: v1, apiKey: key, includeUsage: true, supportsStructuredOutputs: true });
}

const Recipe = z.object({ name: z.string().max(30), steps: z.array(z.string().max(40)).min(1).max(3), vegetarian: z.boolean() });

test('generateObject returns a schema-valid object with usage', async ({ playwright, baseURL }) => {
	const switchyard = await provider(playwright, baseURL!);
	for (const model of ['sy-chat-small', 'auto']) {
		const { object, usage, finishReason } = await generateObject({
			model: switchyard(model),
			schema: Recipe,
			prompt: 'A recipe for soup',
			seed: 6
		});
		expect(Recipe.safeParse(object).success).toBe(true);
		expect(finishReason).toBe('stop');
		expect(usage.outputTokens).toBeGreaterThan(0);
		expect(usage.totalTokens).toBe(usage.inputTokens! + usage.outputTokens!);
	}
});

test('streamText with a required tool streams a well-formed call and usage', async ({ playwright, baseURL }) => {
	const switchyard = await provider(playwright, baseURL!);
	const City = z.object({ city: z.string().max(20) });
	const result = streamText({
		model: switchyard('sy-tiny'),
		prompt: 'What is the weather in Rome?',
		tools: { weather: tool({ description: 'Weather for a city', inputSchema: City }) },
		toolChoice: 'required'
	});
	const parts: string[] = [];
	for await (const part of result.fullStream) parts.push(part.type);
	const calls = await result.toolCalls;
	expect(calls).toHaveLength(1);
	expect(calls[0].toolName).toBe('weather');
	expect(City.safeParse(calls[0].input).success).toBe(true);
	expect(parts).toContain('tool-call');
	expect(await result.finishReason).toBe('tool-calls');
	expect((await result.usage).outputTokens).toBeGreaterThan(0);
});

test('streamText without tools streams text that adds up', async ({ playwright, baseURL }) => {
	const switchyard = await provider(playwright, baseURL!);
	const result = streamText({ model: switchyard('sy-chat-small'), prompt: 'How do rooms work?', maxOutputTokens: 24, seed: 3 });
	let text = '';
	for await (const delta of result.textStream) text += delta;
	expect(text.length).toBeGreaterThan(0);
	expect(await result.text).toBe(text);
	expect((await result.usage).outputTokens).toBeGreaterThan(0);
});
