import { expect, test } from '@playwright/test';
import { signup, uniqueEmail } from './helpers';

test('health answers without auth', async ({ request }) => {
	const res = await request.get('/api/health');
	expect(res.status()).toBe(200);
	expect(await res.json()).toMatchObject({ status: 'ok' });
});

test('signup sets an HttpOnly session cookie that authenticates /api/auth/me', async ({ playwright, baseURL }) => {
	const request = await playwright.request.newContext({ baseURL });
	const email = uniqueEmail('me');
	const res = await request.post('/api/auth/signup', { data: { email, password: 'password1', name: 'Me' } });
	expect(res.status()).toBe(201);
	expect(res.headers()['set-cookie']).toMatch(/sy_session=[a-z2-7]+\.[a-z2-7]+;.*HttpOnly/i);
	const me = await request.get('/api/auth/me');
	expect((await me.json()).user.email).toBe(email);

	expect((await request.post('/api/auth/logout')).status()).toBe(200);
	expect((await request.get('/api/auth/me')).status()).toBe(401);
	await request.dispose();
});

test('login rejects a wrong password and accepts the right one', async ({ playwright, baseURL }) => {
	const request = await playwright.request.newContext({ baseURL });
	const { email } = await signup(request, 'Login');
	await request.post('/api/auth/logout');
	const bad = await request.post('/api/auth/login', { data: { email, password: 'wrong-password' } });
	expect(bad.status()).toBe(401);
	expect(await bad.json()).toEqual({ code: 'unauthenticated', message: 'Wrong email or password' });
	const good = await request.post('/api/auth/login', { data: { email, password: 'password1' } });
	expect(good.status()).toBe(200);
	expect((await request.get('/api/auth/me')).status()).toBe(200);
	await request.dispose();
});

test('bad input gets a clear 4xx, never a 500', async ({ request }) => {
	const notJson = await request.post('/api/auth/signup', { headers: { 'content-type': 'application/json' }, data: '{nope' });
	expect(notJson.status()).toBe(400);
	const weak = await request.post('/api/auth/signup', { data: { email: 'x@example.com', password: 'short', name: 'X' } });
	expect(weak.status()).toBe(400);
	expect(await weak.json()).toEqual({ code: 'bad_request', message: expect.stringMatching(/^password: At least 8/) });
	const huge = await request.post('/api/auth/login', { data: { email: 'x@example.com', password: 'p'.repeat(100_000) } });
	expect(huge.status()).toBe(413);
});

test('API keys are shown once, authenticate Bearer requests, and stop working when revoked', async ({ playwright, baseURL }) => {
	const browserish = await playwright.request.newContext({ baseURL });
	await signup(browserish, 'Keys');
	const created = await browserish.post('/api/keys', { data: { name: 'script' } });
	expect(created.status()).toBe(201);
	const { id, key } = await created.json();
	expect(key).toMatch(/^sy_/);
	const listed = await (await browserish.get('/api/keys')).json();
	expect(JSON.stringify(listed)).not.toContain(key.split('.')[1]);

	const script = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${key}` } });
	expect((await script.get('/api/auth/me')).status()).toBe(200);
	expect((await browserish.delete(`/api/keys/${id}`)).status()).toBe(200);
	expect((await script.get('/api/auth/me')).status()).toBe(401);
	await Promise.all([browserish.dispose(), script.dispose()]);
});

test('a cookie-authenticated write from another origin is refused', async ({ playwright, baseURL }) => {
	const request = await playwright.request.newContext({ baseURL });
	await signup(request, 'Csrf');
	const res = await request.post('/api/rooms', { data: { name: 'x' }, headers: { origin: 'https://evil.example' } });
	expect(res.status()).toBe(403);
	await request.dispose();
});
