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
