import { expect, test } from '@playwright/test';
import OpenAI from 'openai';
import { apiKeyFor } from './openai-client';

// /v1/completions, /v1/models/{model} and /v1/embeddings through the official OpenAI SDK.
async function client(playwright: Parameters<Parameters<typeof test>[2]>[0]['playwright'], baseURL: string) {
	const { key, v1 } = await apiKeyFor(playwright, baseURL, 'Endpoints');
	return new OpenAI({ apiKey: key, baseURL: v1, maxRetries: 0 });
}

test('text completions continue the prompt, streamed and not, with usage', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const { data: answer, response } = await openai.completions
		.create({ model: 'sy-chat-small', prompt: 'The model cache', max_tokens: 16, seed: 1 })
		.withResponse();
	expect(answer.object).toBe('text_completion');
	expect(answer.choices[0].text.length).toBeGreaterThan(0);
	expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
	expect(answer.system_fingerprint).toMatch(/^fp_/);
	expect(response.headers.get('x-switchyard-run-id')).toMatch(/^[a-z2-7]+$/);

	const stream = await openai.completions.create({
		model: 'sy-chat-small',
		prompt: 'The model cache',
		max_tokens: 16,
		seed: 1,
		stream: true,
		stream_options: { include_usage: true }
	});
	let text = '';
	let usage: OpenAI.CompletionUsage | undefined | null;
	for await (const chunk of stream) {
		text += chunk.choices[0]?.text ?? '';
		usage = chunk.usage ?? usage;
	}
	expect(text).toBe(answer.choices[0].text); // same seed, same sampling
	expect(usage!.completion_tokens).toBe(answer.usage!.completion_tokens);
	await expect(openai.completions.create({ model: 'sy-tiny', prompt: 'x', suffix: 'y' })).rejects.toMatchObject({
		status: 400,
		param: 'suffix'
	});
	await expect(openai.completions.create({ model: 'sy-tiny', prompt: 'x', echo: true })).rejects.toMatchObject({
		status: 400,
		param: 'echo'
	});
});

test('a model can be retrieved by id; an unknown one is 404', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	expect(await openai.models.retrieve('sy-code')).toMatchObject({ id: 'sy-code', object: 'model' });
	expect(await openai.models.retrieve('auto')).toMatchObject({ id: 'auto', owned_by: 'switchyard' });
	await expect(openai.models.retrieve('no-such-model')).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
});

test('embeddings: one vector per input, in float and in the SDK’s default base64', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const floats = await openai.embeddings.create({
		model: 'sy-tiny',
		input: ['rooms and runs', 'the model cache'],
		encoding_format: 'float'
	});
	expect(floats.data.map((d) => d.index)).toEqual([0, 1]);
	const size = floats.data[0].embedding.length;
	expect(size).toBeGreaterThan(8);
	expect(floats.data[1].embedding).toHaveLength(size);
	expect(floats.usage.prompt_tokens).toBeGreaterThan(2);
	// The SDK asks for base64 by default and decodes it: the same vectors come back.
	const decoded = await openai.embeddings.create({ model: 'sy-tiny', input: 'rooms and runs' });
	expect(decoded.data[0].embedding).toHaveLength(size);
	decoded.data[0].embedding.forEach((x, i) => expect(x).toBeCloseTo(floats.data[0].embedding[i], 5));
	await expect(openai.embeddings.create({ model: 'sy-tiny', input: 'x', dimensions: 8 })).rejects.toMatchObject({
		status: 400,
		param: 'dimensions'
	});
	await expect(openai.embeddings.create({ model: 'nope', input: 'x' })).rejects.toMatchObject({ status: 404 });
});
