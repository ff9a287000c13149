import { afterEach, describe, expect, it } from 'vitest';
import { connected, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';
import { rawEmit, sleep } from '../helpers/yjs-editors';

// Socket.IO limits from the environment: connections per user, the socket buffer, and the per-user buckets on
// room joins and run replays, over real sockets.

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

	it('rate-limits room:join (ROOM_JOIN_RATE_PER_MINUTE) and run:replay (RUN_REPLAY_RATE_PER_MINUTE) per user', async () => {
		server = await startTestServer({ ROOM_JOIN_RATE_PER_MINUTE: '3', RUN_REPLAY_RATE_PER_MINUTE: '2' });
		const ann = await server.user('Ann');
		const room = await server.ctx.rooms.create({ id: ann.id }, { name: 'Busy', visibility: 'private' });
		const tabs = [server.client({ cookie: ann.cookie }), server.client({ cookie: ann.cookie })];
		await Promise.all(tabs.map(connected));

		const joins = [];
		for (let i = 0; i < 4; i++) joins.push(await tabs[i % 2].emitWithAck('room:join', { roomId: room.id }));
		expect(joins.slice(0, 3).every((j) => j.ok)).toBe(true);
		expect(joins[3]).toEqual({
			ok: false,
			error: {
				code: 'rate_limited',
				message: expect.stringMatching(/room joins \(ROOM_JOIN_RATE_PER_MINUTE: 3 per minute\); retry in \d+ s/)
			}
		});

		const replays = [];
		for (let i = 0; i < 3; i++) replays.push(await tabs[i % 2].emitWithAck('run:replay', { runId: 'aaaaaaaaaaaa', afterSeq: 0 }));
		expect(replays.map((r) => !r.ok && r.error.code)).toEqual(['not_found', 'not_found', 'rate_limited']);
		expect(!replays[2].ok && replays[2].error.message).toMatch(/RUN_REPLAY_RATE_PER_MINUTE: 2 per minute/);
	});
});
