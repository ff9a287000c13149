import { expect, test } from '@playwright/test';
import OpenAI from 'openai';
import { z } from 'zod';
import { apiKeyFor, runEvents } from './openai-client';
import { weatherTool as weather } from '../helpers/openai-tools';

// The official OpenAI SDK against /v1 on the production build: structured output, tool calls, usage and the small
// fields, each honoured or refused with a 400 that names it.
const Person = z.object({ name: z.string().max(24), role: z.enum(['admin', 'member']), tags: z.array(z.string().max(12)).max(3) });
const personSchema = z.toJSONSchema(Person) as Record<string, unknown>;
const Weather = z.object({ city: z.string().max(20), unit: z.enum(['c', 'f']) });

async function client(playwright: Parameters<Parameters<typeof test>[2]>[0]['playwright'], baseURL: string) {
	const { key, v1 } = await apiKeyFor(playwright, baseURL, 'Sdk');
	return new OpenAI({ apiKey: key, baseURL: v1, maxRetries: 0 });
}

test('json_schema answers parse and match the schema, with usage and a fingerprint', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	for (const model of ['sy-tiny', 'auto']) {
		const answer = await openai.chat.completions.create({
			model,
			messages: [{ role: 'user', content: 'Describe a team member as JSON' }],
			response_format: { type: 'json_schema', json_schema: { name: 'person', schema: personSchema, strict: true } },
			seed: 3
		});
		expect(Person.safeParse(JSON.parse(answer.choices[0].message.content!)).success).toBe(true);
		expect(answer.choices[0].finish_reason).toBe('stop');
		expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
		expect(answer.usage!.total_tokens).toBe(answer.usage!.prompt_tokens + answer.usage!.completion_tokens);
		expect(answer.system_fingerprint).toMatch(/^fp_[0-9a-f]{10}$/);
	}
});

test('json_object answers are one JSON object', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const answer = await openai.chat.completions.create({
		model: 'sy-chat-small',
		messages: [{ role: 'user', content: 'Reply in JSON: what is a room?' }],
		response_format: { type: 'json_object' }
	});
	const value = JSON.parse(answer.choices[0].message.content!);
	expect(value).toBeInstanceOf(Object);
	expect(Array.isArray(value)).toBe(false);
});

test('a required tool call comes back in OpenAI’s shape, and a tool result continues the conversation', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
	const { data: first, response } = await openai.chat.completions
		.create({ model: 'sy-tiny', messages, tools: [weather], tool_choice: 'required', seed: 4 })
		.withResponse();
	const choice = first.choices[0];
	expect(choice.finish_reason).toBe('tool_calls');
	expect(choice.message.content).toBeNull();
	const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
	expect(call.type).toBe('function');
	expect(call.id).toMatch(/^call_/);
	expect(call.function.name).toBe('get_weather');
	expect(Weather.safeParse(JSON.parse(call.function.arguments)).success).toBe(true);

	// The room saw the call as its own event.
	const events = await runEvents(playwright, baseURL!, openai.apiKey!, response.headers.get('x-switchyard-run-id')!);
	expect(events.filter((e) => e.type === 'tool.call').at(-1)?.data).toMatchObject({ id: call.id, name: 'get_weather' });

	messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temperature": 21}' });
	const second = await openai.chat.completions.create({
		model: 'sy-tiny',
		messages,
		tools: [weather],
		tool_choice: 'none',
		max_tokens: 24
	});
	expect(second.choices[0].message.content!.length).toBeGreaterThan(0);
	expect(second.choices[0].message.tool_calls).toBeUndefined();
});

test('streamed tool calls arrive as deltas the SDK assembles', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const stream = openai.chat.completions.stream({
		model: 'sy-chat-small',
		messages: [{ role: 'user', content: 'Weather in Oslo?' }],
		tools: [weather],
		tool_choice: { type: 'function', function: { name: 'get_weather' } },
		stream_options: { include_usage: true }
	});
	let content = '';
	stream.on('content', (delta) => (content += delta));
	const done = await stream.finalChatCompletion();
	const call = done.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
	expect(call.function.name).toBe('get_weather');
	expect(Weather.safeParse(JSON.parse(call.function.arguments)).success).toBe(true);
	expect(done.choices[0].finish_reason).toBe('tool_calls');
	expect(content).toBe('');
	expect(done.usage!.completion_tokens).toBeGreaterThan(0);
});

test('stream_options.include_usage sends a final usage chunk', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const chunks: OpenAI.ChatCompletionChunk[] = [];
	const stream = await openai.chat.completions.create({
		model: 'sy-tiny',
		messages: [{ role: 'user', content: 'Tell me about the model cache' }],
		stream: true,
		stream_options: { include_usage: true },
		max_tokens: 16,
		seed: 2
	});
	for await (const chunk of stream) chunks.push(chunk);
	const last = chunks.at(-1)!;
	expect(last.choices).toEqual([]);
	expect(last.usage!.completion_tokens).toBeGreaterThan(0);
	expect(last.usage!.completion_tokens).toBeLessThanOrEqual(16);
	expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
	// Without include_usage no chunk carries usage.
	const plain = await openai.chat.completions.create({
		model: 'sy-tiny',
		messages: [{ role: 'user', content: 'Hi' }],
		stream: true,
		max_tokens: 4
	});
	for await (const chunk of plain) expect(chunk.usage ?? null).toBeNull();
});

test('the same seed and sampling give the same answer and fingerprint', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const ask = () =>
		openai.chat.completions.create({
			model: 'sy-reason',
			messages: [{ role: 'user', content: 'Explain the router' }],
			seed: 11,
			temperature: 0.9,
			max_tokens: 24
		});
	const [a, b] = [await ask(), await ask()];
	expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
	expect(a.system_fingerprint).toBe(b.system_fingerprint);
});

test('logprobs and top_logprobs describe each answer token', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const answer = await openai.chat.completions.create({
		model: 'sy-tiny',
		messages: [{ role: 'user', content: 'Tell me about models' }],
		logprobs: true,
		top_logprobs: 2,
		max_tokens: 10
	});
	const tokens = answer.choices[0].logprobs!.content!;
	expect(tokens).toHaveLength(answer.usage!.completion_tokens);
	expect(tokens.map((t) => t.token).join('')).toBe(answer.choices[0].message.content);
	for (const t of tokens) {
		expect(t.logprob).toBeLessThanOrEqual(0);
		expect(t.top_logprobs).toHaveLength(2);
		expect(t.bytes).toEqual([...Buffer.from(t.token)]);
	}
});

test('fields that cannot be honoured answer 400 naming them; harmless ones are accepted', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const base = { model: 'sy-tiny', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 4 };
	const refusals: [Record<string, unknown>, string][] = [
		[{ n: 2 }, 'n'],
		[{ logit_bias: { '1': 5 } }, 'logit_bias'],
		[{ presence_penalty: 0.5 }, 'presence_penalty'],
		[{ frequency_penalty: 1 }, 'frequency_penalty'],
		[{ logprobs: true, stream: true }, 'logprobs'],
		[{ top_logprobs: 2 }, 'top_logprobs'],
		[{ temperature_boost: 1 }, 'temperature_boost'],
		[
			{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { allOf: [{ type: 'object' }] } } } },
			'response_format.json_schema.schema'
		],
		[{ tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice']
	];
	for (const [extra, param] of refusals) {
		await expect(openai.chat.completions.create({ ...base, ...extra } as never), param).rejects.toMatchObject({ status: 400, param });
	}
	const accepted = await openai.chat.completions.create({
		...base,
		user: 'someone',
		n: 1,
		metadata: { purpose: 'test' },
		store: false,
		presence_penalty: 0
	});
	expect(accepted.choices).toHaveLength(1);
});
