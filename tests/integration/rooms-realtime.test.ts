import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src/lib/contract/result';
import { connected, nextEvent, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';

function emitAck<T>(socket: TestClient, event: string, payload: unknown): Promise<Result<T>> {
	return (socket.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Result<T>> }).emitWithAck(event, payload);
}

describe('rooms over Socket.IO', () => {
	let server: TestServer;
	beforeEach(async () => {
		// One test repeats room:join a hundred times on purpose (ROOM_JOIN_RATE_PER_MINUTE has its own test).
		server = await startTestServer({ ROOM_JOIN_RATE_PER_MINUTE: '1000' });
	});
	afterEach(() => server.close());

	async function setup() {
		const ann = await server.user('Ann');
		const bob = await server.user('Bob');
		const room = await server.ctx.rooms.create({ id: ann.id }, { name: 'Eval', visibility: 'private' });
		return { ann, bob, room };
	}

	it('acks room:join with the room, its members and who is online', async () => {
		const { ann, room } = await setup();
		const socket = server.client({ cookie: ann.cookie });
		await connected(socket);
		const result = await socket.emitWithAck('room:join', { roomId: room.id });
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.data.room).toMatchObject({ id: room.id, name: 'Eval', members: [{ name: 'Ann', role: 'owner' }] });
		expect(result.data.online).toEqual([{ id: ann.id, name: 'Ann' }]);
	});

	it('refuses a non-member joining a private room with a clear error ack', async () => {
		const { bob, room } = await setup();
		const socket = server.client({ token: bob.apiKey });
		await connected(socket);
		const result = await socket.emitWithAck('room:join', { roomId: room.id });
		expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/private/) } });
		expect(await server.ctx.rooms.isMember({ id: bob.id }, room.id)).toBe(false);
	});

	it('answers malformed payloads with bad_request and stays up', async () => {
		const { ann, room } = await setup();
		const socket = server.client({ cookie: ann.cookie });
		await connected(socket);
		for (const payload of [null, 42, 'x', {}, { roomId: 7 }, { roomId: '../../etc' }, { roomId: 'a'.repeat(10_000) }]) {
			const result = await emitAck(socket, 'room:join', payload);
			expect(!result.ok && result.error.code).toBe('bad_request');
		}
		(socket as unknown as { emit(e: string, p: unknown): void }).emit('room:join', { roomId: room.id }); // no ack: ignored, no crash
		const ok = await socket.emitWithAck('room:join', { roomId: room.id });
		expect(ok.ok).toBe(true);
	});

	it('shows presence per user, not per tab', async () => {
		const { ann, bob, room } = await setup();
		await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		const annTab1 = server.client({ cookie: ann.cookie });
		const annTab2 = server.client({ token: ann.apiKey });
		const bobTab = server.client({ cookie: bob.cookie });
		await Promise.all([connected(annTab1), connected(annTab2), connected(bobTab)]);
		await annTab1.emitWithAck('room:join', { roomId: room.id });
		await annTab2.emitWithAck('room:join', { roomId: room.id });

		const seesBob = nextEvent(annTab1, 'presence', (p) => p.online.length === 2);
		const joined = await bobTab.emitWithAck('room:join', { roomId: room.id });
		expect(joined.ok && joined.data.online.map((u) => u.name)).toEqual(['Ann', 'Bob']);
		expect((await seesBob)[0].online.map((u) => u.name)).toEqual(['Ann', 'Bob']);

		// One of Ann's two tabs closes: she is still online.
		const afterTab = nextEvent(bobTab, 'presence');
		annTab2.disconnect();
		expect((await afterTab)[0].online.map((u) => u.name)).toEqual(['Ann', 'Bob']);

		const afterLeave = nextEvent(annTab1, 'presence', (p) => p.online.length === 1);
		bobTab.disconnect();
		expect((await afterLeave)[0].online).toEqual([{ id: ann.id, name: 'Ann' }]);
	});

	it('tells the room when someone joins by invite', async () => {
		const { ann, bob, room } = await setup();
		const annSocket = server.client({ cookie: ann.cookie });
		await connected(annSocket);
		await annSocket.emitWithAck('room:join', { roomId: room.id });
		const update = nextEvent(annSocket, 'room:members');
		await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		expect((await update)[0]).toEqual({
			roomId: room.id,
			members: [
				{ id: ann.id, name: 'Ann', role: 'owner', driver: true },
				{ id: bob.id, name: 'Bob', role: 'member', driver: false }
			]
		});
	});

	it('takes a removed member out of the live room at once', async () => {
		const { ann, bob, room } = await setup();
		await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		const annSocket = server.client({ cookie: ann.cookie });
		const bobSocket = server.client({ cookie: bob.cookie });
		await Promise.all([connected(annSocket), connected(bobSocket)]);
		await annSocket.emitWithAck('room:join', { roomId: room.id });
		await bobSocket.emitWithAck('room:join', { roomId: room.id });

		const told = nextEvent(bobSocket, 'room:removed');
		const annSees = nextEvent(annSocket, 'presence', (p) => p.online.length === 1);
		await server.ctx.rooms.removeMember({ id: ann.id }, room.id, bob.id);
		expect((await told)[0]).toEqual({ roomId: room.id });
		expect((await annSees)[0].online.map((u) => u.name)).toEqual(['Ann']);
		const again = await bobSocket.emitWithAck('room:join', { roomId: room.id });
		expect(!again.ok && again.error.code).toBe('forbidden');
	});

	it('broadcasts presence only on real changes: 100 repeated joins or stray leaves make at most one event', async () => {
		const { ann, bob, room } = await setup();
		await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		const annSocket = server.client({ cookie: ann.cookie });
		const bobSocket = server.client({ cookie: bob.cookie });
		await Promise.all([connected(annSocket), connected(bobSocket)]);
		await annSocket.emitWithAck('room:join', { roomId: room.id });
		const seen: string[][] = [];
		annSocket.on('presence', (p) => seen.push(p.online.map((u) => u.name)));
		// Ann's own round trip: every event the server sent her before it has arrived.
		const settled = () => annSocket.emitWithAck('yjs:leave', { roomId: room.id });

		for (let i = 0; i < 100; i++) expect((await bobSocket.emitWithAck('room:leave', { roomId: room.id })).ok).toBe(true);
		await settled();
		expect(seen).toEqual([]); // Bob was never in the room's channel

		for (let i = 0; i < 100; i++) expect((await bobSocket.emitWithAck('room:join', { roomId: room.id })).ok).toBe(true);
		await settled();
		expect(seen).toEqual([['Ann', 'Bob']]);

		const bobTab2 = server.client({ token: bob.apiKey });
		await connected(bobTab2);
		await bobTab2.emitWithAck('room:join', { roomId: room.id });
		await bobTab2.emitWithAck('room:leave', { roomId: room.id });
		await settled();
		expect(seen).toHaveLength(1); // a second tab coming and going changes nobody's presence

		for (let i = 0; i < 100; i++) await bobSocket.emitWithAck('room:leave', { roomId: room.id });
		await settled();
		expect(seen).toEqual([['Ann', 'Bob'], ['Ann']]);
	});
});
