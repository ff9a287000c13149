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
