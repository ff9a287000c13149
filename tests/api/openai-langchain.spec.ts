import { expect, test } from '@playwright/test';
import type { AIMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import { apiKeyFor } from './openai-client';

// LangChain's ChatOpenAI against /v1: structured output (JSON schema and function calling), bound tools, streaming.
const Task = z.object({ title: z.string().max(30), priority: z.enum(['low', 'high']), done: z.boolean() });

async function chat(playwright: Parameters<Parameters<typeof test>[2]>[0]['playwright'], baseURL: string, model = 'sy-chat-small') {
	const { key, v1 } = await apiKeyFor(playwright, baseURL, 'Langchain');
	return new ChatOpenAI({ model, apiKey: key, configuration: { baseURL: v1 }, maxRetries: 0, temperature: 0.7 });
}

test('withStructuredOutput returns schema-valid objects (JSON schema and function calling)', async ({ playwright, baseURL }) => {
	const llm = await chat(playwright, baseURL!);
	for (const method of ['jsonSchema', 'functionCalling'] as const) {
		const structured = llm.withStructuredOutput(Task, { name: 'task', method, includeRaw: true });
		const { parsed, raw } = await structured.invoke('Make a task for writing the docs');
		expect(Task.safeParse(parsed).success, method).toBe(true);
		expect((raw as AIMessage).usage_metadata!.output_tokens).toBeGreaterThan(0);
	}
});

test('bindTools: the model calls the bound tool with well-formed arguments', async ({ playwright, baseURL }) => {
	const llm = await chat(playwright, baseURL!, 'sy-tiny');
	const lookup = tool(async ({ word }) => `definition of ${word}`, {
		name: 'lookup',
		description: 'Look a word up',
		schema: z.object({ word: z.string().max(16) })
	});
	const answer = await llm.bindTools([lookup], { tool_choice: 'required' }).invoke('What does cache mean?');
	expect(answer.tool_calls).toHaveLength(1);
	expect(answer.tool_calls![0].name).toBe('lookup');
	expect(z.object({ word: z.string().max(16) }).safeParse(answer.tool_calls![0].args).success).toBe(true);
	expect(answer.tool_calls![0].id).toMatch(/^call_/);
	expect(answer.usage_metadata!.total_tokens).toBe(answer.usage_metadata!.input_tokens + answer.usage_metadata!.output_tokens);
});

test('streaming adds up to an answer and ends with usage', async ({ playwright, baseURL }) => {
	const llm = await chat(playwright, baseURL!);
	let text = '';
	let chunks = 0;
	let outputTokens = 0;
	for await (const chunk of await llm.stream('Tell me about the model cache', { max_tokens: 24 } as never)) {
		chunks++;
		text += typeof chunk.content === 'string' ? chunk.content : '';
		outputTokens += chunk.usage_metadata?.output_tokens ?? 0;
	}
	expect(chunks).toBeGreaterThan(2);
	expect(text.length).toBeGreaterThan(0);
	expect(outputTokens).toBeGreaterThan(0);
	expect(outputTokens).toBeLessThanOrEqual(24);
});
