import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connected, startTestServer, type TestServer } from '../helpers/test-server';

describe('socket handshake', () => {
	let server: TestServer;
	beforeEach(async () => {
		server = await startTestServer();
	});
	afterEach(() => server.close());

	it('refuses a socket without a session or key', async () => {
		await expect(connected(server.client({}))).rejects.toThrow('unauthenticated');
	});

	it('refuses a forged session cookie and a revoked API key', async () => {
		const ann = await server.user('Ann');
		await expect(connected(server.client({ cookie: ann.cookie.slice(0, -4) + 'aaaa' }))).rejects.toThrow('unauthenticated');
		const keyId = ann.apiKey.slice(3).split('.')[0];
		await server.ctx.auth.revokeApiKey(keyId, ann.id);
		await expect(connected(server.client({ token: ann.apiKey }))).rejects.toThrow('unauthenticated');
	});

	it('accepts the session cookie and an API key in auth.token', async () => {
		const ann = await server.user('Ann');
		await expect(connected(server.client({ cookie: ann.cookie }))).resolves.toBeUndefined();
		await expect(connected(server.client({ token: ann.apiKey }))).resolves.toBeUndefined();
	});

	it('refuses a browser origin other than the server’s own', async () => {
		const ann = await server.user('Ann');
		await expect(connected(server.client({ cookie: ann.cookie, origin: 'https://evil.example' }))).rejects.toThrow();
		await expect(connected(server.client({ cookie: ann.cookie, origin: server.url }))).resolves.toBeUndefined();
	});

	it('compares the whole origin and refuses a DNS-rebinding page (a name matching its own Host header)', async () => {
		const ann = await server.user('Ann');
		const port = new URL(server.url).port;
		const https = server.url.replace('http:', 'https:');
		await expect(connected(server.client({ cookie: ann.cookie, origin: https }))).rejects.toThrow(); // same host, other scheme
		const rebound = { cookie: ann.cookie, origin: `http://rebind.example:${port}`, host: `rebind.example:${port}` };
		await expect(connected(server.client(rebound))).rejects.toThrow();
		const local = { cookie: ann.cookie, origin: `http://localhost:${port}`, host: `localhost:${port}` };
		await expect(connected(server.client(local))).resolves.toBeUndefined();
	});

	it('closes a session’s sockets on logout, and the cookie no longer connects', async () => {
		const ann = await server.user('Ann');
		const socket = server.client({ cookie: ann.cookie });
		await connected(socket);
		const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
		await server.ctx.auth.invalidateSession(ann.sessionId);
		server.ctx.realtime!.disconnectSession(ann.sessionId);
		expect(await closed).toBe('io server disconnect');
		await expect(connected(server.client({ cookie: ann.cookie }))).rejects.toThrow('unauthenticated');
	});
	it('closes a revoked API key’s sockets at once (and only those); the key no longer connects', async () => {
		const ann = await server.user('Ann');
		const keyId = ann.apiKey.slice(3).split('.')[0];
		const byKey = server.client({ token: ann.apiKey });
		const byCookie = server.client({ cookie: ann.cookie });
		await Promise.all([connected(byKey), connected(byCookie)]);
		const closed = new Promise<string>((resolve) => byKey.once('disconnect', resolve));
		expect(await server.ctx.auth.revokeApiKey(keyId, ann.id)).toBe(true);
		server.ctx.realtime!.disconnectApiKey(keyId);
		expect(await closed).toBe('io server disconnect');
		expect(byCookie.connected).toBe(true);
		await expect(connected(server.client({ token: ann.apiKey }))).rejects.toThrow('unauthenticated');
	});
});

describe('socket origin with ORIGIN configured', () => {
	it('accepts exactly the configured origin', async () => {
		const server = await startTestServer({ ORIGIN: 'https://switchyard.example' });
		try {
			const ann = await server.user('Ann');
			await expect(connected(server.client({ cookie: ann.cookie, origin: 'https://switchyard.example' }))).resolves.toBeUndefined();
			await expect(connected(server.client({ cookie: ann.cookie, origin: server.url }))).rejects.toThrow();
		} finally {
			await server.close();
		}
	});
});
