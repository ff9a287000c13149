// Connection-state recovery must not bring back what the user lost while disconnected (issue "Hardening", Access 1).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { roomChannel, userChannel } from '../../server/realtime/types';
import { yjsChannel } from '../../server/yjs/yjs.handlers';
import { waitFor } from '../helpers/yjs-editors';
import { connected, nextEvent, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';

describe('connection-state recovery', () => {
	let server: TestServer;
	beforeEach(async () => {
		server = await startTestServer();
	});
	afterEach(() => server.close());

	/** A network blip: the transport dies without a goodbye, so the server keeps the session for recovery. */
	async function dropTransport(socket: TestClient) {
		const id = socket.id!;
		const dropped = new Promise((resolve) => socket.once('disconnect', resolve));
		(socket.io.engine as unknown as { close(): void }).close();
		await dropped;
		await waitFor(() => !server.ctx.realtime!.io.sockets.sockets.has(id), 'the server to notice the drop');
	}

	async function reconnect(socket: TestClient) {
		socket.connect();
		await connected(socket);
	}

	const channelsOf = (socket: TestClient) => server.ctx.realtime!.io.sockets.sockets.get(socket.id!)?.rooms ?? new Set<string>();

	/** Ann owns a room Bob is in; both have it open (presence channel and document). */
	async function roomWithBob() {
		const ann = await server.user('Ann');
		const bob = await server.user('Bob');
		const room = await server.ctx.rooms.create({ id: ann.id }, { name: 'Blips', visibility: 'public' });
		await server.ctx.rooms.join({ id: bob.id }, room.id);
		const annSocket = server.client({ cookie: ann.cookie });
		const bobSocket = server.client({ cookie: bob.cookie });
		await Promise.all([connected(annSocket), connected(bobSocket)]);
		await annSocket.emitWithAck('room:join', { roomId: room.id });
		await bobSocket.emitWithAck('room:join', { roomId: room.id }); // the presence broadcast gives Bob an offset
		const step1 = new Uint8Array([0, 1, 0]); // sync step 1 with an empty state vector: subscribes to the document
		expect(await bobSocket.emitWithAck('yjs:sync', { roomId: room.id, message: step1 })).toEqual({ ok: true, data: null });
		expect(channelsOf(bobSocket).has(yjsChannel(room.id))).toBe(true);
		return { ann, bob, room, annSocket, bobSocket };
	}

	it('still restores a member’s channels and missed events after a blip', async () => {
		const { room, annSocket, bobSocket } = await roomWithBob();
		await dropTransport(bobSocket);
		server.ctx.realtime!.io.to(roomChannel(room.id)).emit('room:removed', { roomId: 'somethingelse' }); // missed while away
		const missed = nextEvent(bobSocket, 'room:removed');
		const annSeesBob = nextEvent(annSocket, 'presence', (p) => p.online.length === 2);
		await reconnect(bobSocket);
		expect(bobSocket.recovered).toBe(true);
		expect((await missed)[0]).toEqual({ roomId: 'somethingelse' });
		expect(channelsOf(bobSocket).has(roomChannel(room.id))).toBe(true);
		expect((await annSeesBob)[0].online.map((u) => u.name)).toEqual(['Ann', 'Bob']); // back online for the others
	});

	it('does not restore the room channels, nor replay the room’s events, of a member removed while disconnected', async () => {
		const { ann, bob, room, bobSocket } = await roomWithBob();
		await dropTransport(bobSocket);
		expect((await server.ctx.rooms.removeMember({ id: ann.id }, room.id, bob.id)).ok).toBe(true);
		const roomEvents: string[] = [];
		for (const event of ['presence', 'room:members', 'yjs:sync', 'yjs:awareness', 'activity', 'run:event'] as const) {
			bobSocket.on(event, () => roomEvents.push(event));
		}
		server.ctx.realtime!.io.to(roomChannel(room.id)).emit('presence', { roomId: room.id, online: [] }); // missed
		await reconnect(bobSocket);
		expect(bobSocket.recovered).toBe(false);
		expect(channelsOf(bobSocket).has(roomChannel(room.id))).toBe(false);
		expect(channelsOf(bobSocket).has(yjsChannel(room.id))).toBe(false);
		server.ctx.realtime!.io.to(roomChannel(room.id)).emit('presence', { roomId: room.id, online: [] });
		server.ctx.realtime!.io.to(yjsChannel(room.id)).emit('yjs:sync', { roomId: room.id, message: new Uint8Array([0, 1, 0]) });
		expect(await bobSocket.emitWithAck('room:join', { roomId: room.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(roomEvents).toEqual([]);
	});

	it('re-checks every channel of a recovered socket against the credentials it comes back with', async () => {
		const { room, bob, bobSocket } = await roomWithBob();
		const cid = await server.user('Cid'); // not a member of the room
		await dropTransport(bobSocket);
		(bobSocket.io.opts as { extraHeaders?: Record<string, string> }).extraHeaders = { cookie: cid.cookie };
		await reconnect(bobSocket);
		expect(bobSocket.recovered).toBe(true); // Bob's session was fine; the socket now speaks for Cid
		const channels = channelsOf(bobSocket);
		expect(channels.has(roomChannel(room.id))).toBe(false);
		expect(channels.has(yjsChannel(room.id))).toBe(false);
		expect(channels.has(userChannel(bob.id))).toBe(false);
		expect(channels.has(userChannel(cid.id))).toBe(true);
	});
});
