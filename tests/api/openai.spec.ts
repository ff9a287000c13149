import { expect, test } from '@playwright/test';
import OpenAI from 'openai';
import { signup } from './helpers';

// The official OpenAI client, pointed at /v1 with a Switchyard API key, against the production build.
async function client(playwright: Parameters<Parameters<typeof test>[2]>[0]['playwright'], baseURL: string) {
	const request = await playwright.request.newContext({ baseURL });
	await signup(request, 'Api');
	const { key } = await (await request.post('/api/keys', { data: { name: 'openai' } })).json();
	await request.dispose();
	return new OpenAI({ apiKey: key, baseURL: `${baseURL}/v1`, maxRetries: 0 });
}

test('lists auto and the local models', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	const ids = (await openai.models.list()).data.map((m) => m.id);
	expect(ids[0]).toBe('auto');
	expect(ids).toEqual(expect.arrayContaining(['sy-tiny', 'sy-chat-small', 'sy-code', 'sy-reason']));
});

test('non-streamed answers for auto and for a named model', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	for (const model of ['auto', 'sy-tiny']) {
		const { data, response } = await openai.chat.completions
			.create({ model, messages: [{ role: 'user', content: 'How do rooms work?' }], max_tokens: 24, seed: 1 })
			.withResponse();
		expect(data.object).toBe('chat.completion');
		expect(data.choices[0].message.content!.length).toBeGreaterThan(0);
		expect(data.usage!.completion_tokens).toBeGreaterThan(0);
		if (model !== 'auto') expect(data.model).toBe(model);
		else expect(data.model).toMatch(/^sy-/);
		expect(response.headers.get('x-switchyard-run-id')).toMatch(/^[a-z2-7]+$/);
	}
});

test('streamed answers arrive as chunks that add up to the run’s answer', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	for (const model of ['auto', 'sy-chat-small']) {
		const { data: stream, response } = await openai.chat.completions
			.create({
				model,
				stream: true,
				messages: [
					{ role: 'system', content: 'Be brief.' },
					{ role: 'user', content: 'Tell me about the model cache' }
				],
				max_tokens: 32,
				seed: 2
			})
			.withResponse();
		let text = '';
		let chunks = 0;
		let finish: string | null = null;
		for await (const chunk of stream) {
			chunks++;
			text += chunk.choices[0]?.delta?.content ?? '';
			finish = chunk.choices[0]?.finish_reason ?? finish;
		}
		expect(chunks).toBeGreaterThan(2);
		expect(text.length).toBeGreaterThan(0);
		expect(['stop', 'length']).toContain(finish);
		const runId = response.headers.get('x-switchyard-run-id')!;
		const run = await (
			await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${openai.apiKey}` } })
		).get(`/api/runs/${runId}`);
		expect(run.status()).toBe(200);
		const body = await run.json();
		expect(body.status).toBe('succeeded');
		expect(text.endsWith(body.answer)).toBe(true);
	}
});

test('errors come back in OpenAI’s shape', async ({ playwright, baseURL }) => {
	const openai = await client(playwright, baseURL!);
	await expect(
		openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })
	).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
	const anonymous = new OpenAI({ apiKey: 'sy_wrong.key', baseURL: `${baseURL}/v1`, maxRetries: 0 });
	await expect(anonymous.models.list()).rejects.toMatchObject({ status: 401 });
});
