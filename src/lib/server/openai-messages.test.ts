import { describe, expect, it } from 'vitest';
import { runConversation } from './openai-messages';
import { chatCompletionSchema, outputOf, refusedField, CHAT_FIELDS } from './openai-request';

const parse = (body: Record<string, unknown>) => chatCompletionSchema.parse({ model: 'sy-tiny', ...body });

describe('OpenAI messages as a run conversation', () => {
	it('turns tool calls and their results into turns the model reads, the trailing results being the prompt', () => {
		const req = parse({
			messages: [
				{ role: 'developer', content: 'Be brief.' },
				{ role: 'user', content: 'Weather in Paris and Oslo?' },
				{
					role: 'assistant',
					content: null,
					tool_calls: [
						{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
						{ id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }
					]
				},
				{ role: 'tool', tool_call_id: 'call_1', content: '21' },
				{ role: 'tool', tool_call_id: 'call_2', content: '9' }
			]
		});
		const result = runConversation(req.messages);
		expect(result.ok && result.value).toEqual({
			prompt: 'Result of weather [call_1]: 21\nResult of weather [call_2]: 9',
			conversation: [
				{ role: 'system', content: 'Be brief.' },
				{ role: 'user', content: 'Weather in Paris and Oslo?' },
				{ role: 'assistant', content: 'Called weather({"city":"Paris"}) [call_1]\nCalled weather({"city":"Oslo"}) [call_2]' }
			]
		});
	});

	it('refuses a conversation that ends with the assistant', () => {
		const req = parse({
			messages: [
				{ role: 'user', content: 'hi' },
				{ role: 'assistant', content: 'hello' }
			]
		});
		expect(runConversation(req.messages).ok).toBe(false);
	});
});

describe('OpenAI fields', () => {
	it('refuses fields that change the answer and accepts harmless or neutral ones', () => {
		expect(refusedField({ n: 2 }, CHAT_FIELDS)?.[0]).toBe('n');
		expect(refusedField({ n: 1, user: 'x', logit_bias: {}, presence_penalty: 0, seed: null }, CHAT_FIELDS)).toBeUndefined();
		expect(refusedField({ made_up: true }, CHAT_FIELDS)).toEqual(['made_up', 'made_up is not a supported field']);
	});

	it('maps response_format, tools and logprobs onto the run output, refusing what cannot be honoured', () => {
		const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
		const forced = outputOf(
			parse({ messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'function', function: { name: 'f' } } })
		);
		expect(forced.ok && forced.output?.toolChoice).toEqual({ name: 'f' });
		const plain = outputOf(parse({ messages: [{ role: 'user', content: 'x' }] }));
		expect(plain.ok && plain.output).toBeUndefined();
		const streamed = outputOf(parse({ messages: [{ role: 'user', content: 'x' }], logprobs: true, stream: true }));
		expect(!streamed.ok && streamed.refusal.param).toBe('logprobs');
		const bad = outputOf(
			parse({
				messages: [{ role: 'user', content: 'x' }],
				tools: [{ type: 'function', function: { name: 'g', parameters: { type: 'object', properties: { a: { pattern: 'x' } } } } }]
			})
		);
		expect(!bad.ok && bad.refusal.param).toBe('tools[0].function.parameters');
	});
});
