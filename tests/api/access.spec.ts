// Access hardening over real HTTP and a real socket against the built server (issue "Hardening", section Access).
import { expect, test } from '@playwright/test';
import { io } from 'socket.io-client';
import { signup } from './helpers';

test('an API key cannot mint keys; revoking a key closes the sockets it opened', async ({ playwright, baseURL }) => {
	const browser = await playwright.request.newContext({ baseURL });
	await signup(browser, 'Keyring');
	const { id, key } = await (await browser.post('/api/keys', { data: { name: 'script' } })).json();

	const script = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${key}` } });
	const minted = await script.post('/api/keys', { data: { name: 'another' } });
	expect(minted.status()).toBe(403);
	expect(await minted.json()).toEqual({ code: 'forbidden', message: expect.stringMatching(/signed-in session/) });
	expect((await (await browser.get('/api/keys')).json()).keys).toHaveLength(1);

	const socket = io(baseURL!, { transports: ['websocket'], auth: { token: key }, reconnection: false, forceNew: true });
	try {
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('connect_error', reject);
		});
		const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
		expect((await browser.delete(`/api/keys/${id}`)).status()).toBe(200);
		expect(await closed).toBe('io server disconnect');
	} finally {
		socket.disconnect();
	}
	await Promise.all([browser.dispose(), script.dispose()]);
});

test('an invite link shows a confirmation on GET and joins only on POST', async ({ playwright, baseURL }) => {
	const ann = await playwright.request.newContext({ baseURL });
	const bob = await playwright.request.newContext({ baseURL });
	await signup(ann, 'Ann');
	await signup(bob, 'Bob');
	const room = await (await ann.post('/api/rooms', { data: { name: 'Invite only', visibility: 'private' } })).json();

	const page = await bob.get(`/invite/${room.inviteToken}`, { maxRedirects: 0 });
	expect(page.status()).toBe(200);
	expect(await page.text()).toContain('Join “Invite only”?');
	expect((await bob.get(`/api/rooms/${room.id}`)).status()).toBe(403); // looking joined nothing

	// A plain browser form post: same origin (SvelteKit's CSRF check) and HTML wanted (else it answers as for `enhance`).
	const headers = { origin: new URL(baseURL!).origin, accept: 'text/html' };
	const joined = await bob.post(`/invite/${room.inviteToken}`, { form: {}, headers, maxRedirects: 0 });
	expect(joined.status()).toBe(303);
	expect(joined.headers()['location']).toBe(`/rooms/${room.id}`);
	expect((await bob.get(`/api/rooms/${room.id}`)).status()).toBe(200);
	// Opened again by a member: straight to the room.
	const again = await bob.get(`/invite/${room.inviteToken}`, { maxRedirects: 0 });
	expect([again.status(), again.headers()['location']]).toEqual([303, `/rooms/${room.id}`]);
	await Promise.all([ann.dispose(), bob.dispose()]);
});

test('form posts to /login and /signup whose body is not form data get a 400, not a 500', async ({ request, baseURL }) => {
	const origin = new URL(baseURL!).origin;
	// Content types SvelteKit lets through to the action (CSRF-safe form types) with a body that is no form.
	for (const path of ['/login', '/signup']) {
		for (const [type, data] of [
			['text/plain', 'email=a@example.com'],
			['multipart/form-data; boundary=x', '--x\r\nbroken']
		]) {
			for (const accept of ['text/html', 'application/json']) {
				const res = await request.post(path, { headers: { 'content-type': type, origin, accept }, data, maxRedirects: 0 });
				expect(res.status(), `${path} as ${type}, accepting ${accept}`).toBe(400);
			}
		}
	}
	// Other content types SvelteKit refuses itself, also with a 4xx.
	const json = await request.post('/login', { headers: { 'content-type': 'application/json', origin, accept: 'text/html' }, data: '{}' });
	expect(json.status()).toBe(415);
});

test('signup does not reveal whether an email already has an account', async ({ playwright, baseURL }) => {
	const first = await playwright.request.newContext({ baseURL });
	const { email } = await signup(first, 'Taken');
	const stranger = await playwright.request.newContext({ baseURL });
	const api = await stranger.post('/api/auth/signup', { data: { email, password: 'password2', name: 'Someone' } });
	expect(api.status()).toBe(400);
	const body = await api.json();
	expect(body).toEqual({ code: 'bad_request', message: expect.stringMatching(/log in instead/) });
	expect(body.message).not.toMatch(/exist|taken|registered/i);

	const headers = { origin: new URL(baseURL!).origin, accept: 'text/html' };
	const form = await stranger.post('/signup', { form: { email, password: 'password2', name: 'Someone' }, headers, maxRedirects: 0 });
	expect(form.status()).toBe(400);
	const html = await form.text();
	expect(html).toContain('If you already have one, log in instead.');
	expect(html).not.toMatch(/already exists/i);
	expect((await stranger.get('/api/auth/me')).status()).toBe(401);
	await Promise.all([first.dispose(), stranger.dispose()]);
});
