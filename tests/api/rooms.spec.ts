import { expect, test } from '@playwright/test';
import { signup } from './helpers';

test('rooms: private rooms are invisible to outsiders, invites let people in, owners remove them', async ({ playwright, baseURL }) => {
	const ann = await playwright.request.newContext({ baseURL });
	const bob = await playwright.request.newContext({ baseURL });
	await signup(ann, 'Ann');
	const bobUser = (await signup(bob, 'Bob')).user;

	const created = await ann.post('/api/rooms', { data: { name: 'Secret plans', visibility: 'private' } });
	expect(created.status()).toBe(201);
	const room = await created.json();
	expect(room.inviteToken).toBeTruthy();

	expect((await bob.get(`/api/rooms/${room.id}`)).status()).toBe(403);
	expect((await bob.post(`/api/rooms/${room.id}/join`)).status()).toBe(403);
	expect(((await (await bob.get('/api/rooms')).json()).rooms as { id: string }[]).some((r) => r.id === room.id)).toBe(false);

	const accepted = await bob.post(`/api/invites/${room.inviteToken}`);
	expect(accepted.status()).toBe(200);
	expect((await accepted.json()).inviteToken).toBeUndefined();
	expect((await bob.get(`/api/rooms/${room.id}`)).status()).toBe(200);

	expect((await bob.delete(`/api/rooms/${room.id}/members/${bobUser.id}`)).status()).toBe(403);
	expect((await ann.delete(`/api/rooms/${room.id}/members/${bobUser.id}`)).status()).toBe(200);
	expect((await bob.get(`/api/rooms/${room.id}`)).status()).toBe(403);
	await Promise.all([ann.dispose(), bob.dispose()]);
});

test('rooms: anyone signed in can join a public room; nobody anonymous can list rooms', async ({ playwright, baseURL, request }) => {
	const ann = await playwright.request.newContext({ baseURL });
	const cid = await playwright.request.newContext({ baseURL });
	await signup(ann, 'Ann');
	await signup(cid, 'Cid');
	const room = await (await ann.post('/api/rooms', { data: { name: 'Open floor', visibility: 'public' } })).json();
	const joined = await cid.post(`/api/rooms/${room.id}/join`);
	expect(joined.status()).toBe(200);
	expect((await joined.json()).members).toHaveLength(2);
	expect((await request.get('/api/rooms')).status()).toBe(401);
	expect((await cid.post('/api/rooms', { data: { name: '' } })).status()).toBe(400);
	await Promise.all([ann.dispose(), cid.dispose()]);
});

test('rooms: the owner limits steering to drivers; members then cannot start runs until marked', async ({ playwright, baseURL }) => {
	const ann = await playwright.request.newContext({ baseURL });
	const bob = await playwright.request.newContext({ baseURL });
	await signup(ann, 'Ann');
	const bobUser = (await signup(bob, 'Bob')).user;
	const room = await (await ann.post('/api/rooms', { data: { name: 'Drivers', visibility: 'private' } })).json();
	await bob.post(`/api/invites/${room.inviteToken}`);
	expect((await bob.put(`/api/rooms/${room.id}/steering`, { data: { steering: 'drivers' } })).status()).toBe(403);
	const limited = await ann.put(`/api/rooms/${room.id}/steering`, { data: { steering: 'drivers' } });
	expect((await limited.json()).steering).toBe('drivers');
	const run = { roomId: room.id, prompt: 'hi', mode: 'direct', modelId: 'sy-tiny', sampling: { maxTokens: 4 } };
	expect((await bob.post('/api/runs', { data: run })).status()).toBe(403);
	const marked = await ann.put(`/api/rooms/${room.id}/members/${bobUser.id}/driver`, { data: { driver: true } });
	expect((await marked.json()).members.find((m: { id: string }) => m.id === bobUser.id).driver).toBe(true);
	expect((await bob.post('/api/runs', { data: run })).status()).toBe(201);
	expect((await ann.put(`/api/rooms/${room.id}/steering`, { data: { steering: 'nobody' } })).status()).toBe(400);
	await Promise.all([ann.dispose(), bob.dispose()]);
});
