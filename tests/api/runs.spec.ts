import { expect, test } from '@playwright/test';
import { signup } from './helpers';

test('runs: members start, read, page and replay runs; outsiders see nothing', async ({ playwright, baseURL }) => {
	const ann = await playwright.request.newContext({ baseURL });
	const eve = await playwright.request.newContext({ baseURL });
	await signup(ann, 'Ann');
	await signup(eve, 'Eve');
	const room = await (await ann.post('/api/rooms', { data: { name: 'Runs', visibility: 'private' } })).json();

	const started = await ann.post('/api/runs', {
		data: { roomId: room.id, prompt: 'What is a room?', mode: 'direct', modelId: 'sy-tiny', sampling: { maxTokens: 16, seed: 1 } }
	});
	expect(started.status()).toBe(201);
	const run = await started.json();
	let status = run.status;
	for (let i = 0; i < 100 && !['succeeded', 'failed', 'cancelled'].includes(status); i++) {
		await new Promise((r) => setTimeout(r, 100));
		status = (await (await ann.get(`/api/runs/${run.id}`)).json()).status;
	}
	expect(status).toBe('succeeded');

	const events = (await (await ann.get(`/api/runs/${run.id}/events`)).json()).events as { seq: number; type: string }[];
	expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
	const tail = (await (await ann.get(`/api/runs/${run.id}/events?after=${events.length - 2}`)).json()).events;
	expect(tail.map((e: { seq: number }) => e.seq)).toEqual([events.length - 1, events.length]);

	const list = await (await ann.get(`/api/runs?room=${room.id}&status=succeeded&q=room`)).json();
	expect(list.runs.map((r: { id: string }) => r.id)).toContain(run.id);
	expect((await (await ann.get(`/api/runs?room=${room.id}&q=nothing-matches-this`)).json()).runs).toEqual([]);

	const md = await ann.get(`/api/runs/${run.id}/export?format=md`);
	expect(md.status()).toBe(200);
	expect(md.headers()['content-disposition']).toContain(`run-${run.id}.md`);
	expect(await md.text()).toContain('## Answer');
	const exported = await (await ann.get(`/api/runs/${run.id}/export`)).json();
	expect(exported.events.length).toBe(events.length);
	expect((await ann.get(`/api/runs/${run.id}/export?format=pdf`)).status()).toBe(400);
	expect((await eve.get(`/api/runs/${run.id}/export`)).status()).toBe(404);

	expect((await eve.get(`/api/runs/${run.id}`)).status()).toBe(404);
	expect((await eve.get(`/api/runs/${run.id}/events`)).status()).toBe(404);
	expect((await eve.get(`/api/runs?room=${room.id}`)).status()).toBe(403);
	expect((await eve.post('/api/runs', { data: { roomId: room.id, prompt: 'x' } })).status()).toBe(403);
	expect((await eve.post(`/api/runs/${run.id}/cancel`)).status()).toBe(404);
	expect((await ann.post('/api/runs', { data: { roomId: room.id, prompt: '' } })).status()).toBe(400);
	expect((await ann.post(`/api/runs/${run.id}/cancel`)).status()).toBe(409);
	await Promise.all([ann.dispose(), eve.dispose()]);
});
