import { afterEach, describe, expect, it } from 'vitest';
import { connected, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';
import { rawEmit, sleep } from '../helpers/yjs-editors';

// Socket.IO limits from the environment: connections per user and the socket buffer, over real sockets.

/** The connect_error a refused handshake gives, or null when the socket connects. */
function handshake(socket: TestClient): Promise<(Error & { data?: unknown }) | null> {
	return connected(socket).then(
		() => null,
		(err: Error & { data?: unknown }) => err
	);
}

describe('realtime limits', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	it('refuses a user’s connection past SOCKET_MAX_CONNECTIONS_PER_USER at the handshake, and frees the slot on disconnect', async () => {
		server = await startTestServer({ SOCKET_MAX_CONNECTIONS_PER_USER: '2' });
		const ann = await server.user('Ann');
		const bob = await server.user('Bob');
		const first = server.client({ cookie: ann.cookie });
		expect(await handshake(first)).toBeNull();
		expect(await handshake(server.client({ token: ann.apiKey }))).toBeNull(); // API key sockets count too

		const refused = await handshake(server.client({ cookie: ann.cookie }));
		expect(refused?.message).toMatch(/Too many open connections for this account \(SOCKET_MAX_CONNECTIONS_PER_USER: 2\)/);
		expect(refused?.data).toEqual({ code: 'rate_limited' });
		expect(await handshake(server.client({ cookie: bob.cookie }))).toBeNull(); // per user

		first.disconnect();
		await sleep(100);
		expect(await handshake(server.client({ cookie: ann.cookie }))).toBeNull();
		expect((await handshake(server.client({ cookie: ann.cookie })))?.data).toEqual({ code: 'rate_limited' });
	});

	it('takes the socket buffer from SOCKET_MAX_BUFFER_BYTES', async () => {
		server = await startTestServer({ SOCKET_MAX_BUFFER_BYTES: '8192', YJS_MAX_MESSAGE_BYTES: '4096', YJS_MAX_AWARENESS_BYTES: '4096' });
		const ann = await server.user('Ann');
		const room = await server.ctx.rooms.create({ id: ann.id }, { name: 'Buffers', visibility: 'private' });
		const socket = server.client({ cookie: ann.cookie });
		await connected(socket);
		// Under the buffer, over the Yjs limit: a clear refusal on a connection that stays up.
		const refused = await rawEmit(socket, 'yjs:sync', { roomId: room.id, message: new Uint8Array(6000) });
		expect(!refused.ok && refused.error.code).toBe('too_large');
		expect(socket.connected).toBe(true);
		// Over the buffer: Socket.IO closes the connection.
		const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
		socket.emit('yjs:sync', { roomId: room.id, message: new Uint8Array(20_000) }, () => {});
		expect(await closed).toMatch(/transport close|transport error|parse error/);
	});

});
