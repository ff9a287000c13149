// Two web nodes on one PostgreSQL database and one Redis prefix, real socket.io clients on each: broadcasts,
// presence, removals, logouts and the per-user socket cap must hold across nodes, and nothing may arrive twice.
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomJoined, ServerToClientEvents } from '../../src/lib/contract/events';
import type { Result } from '../../src/lib/contract/result';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { connected, nextEvent, type TestClient, type TestServer } from '../helpers/test-server';
import { sleep, waitFor } from '../helpers/yjs-editors';

/** Every event of a kind a socket receives from now on. */
function record<E extends keyof ServerToClientEvents>(socket: TestClient, event: E): Parameters<ServerToClientEvents[E]>[] {
	const seen: Parameters<ServerToClientEvents[E]>[] = [];
	socket.on(event, ((...args: Parameters<ServerToClientEvents[E]>) => seen.push(args)) as never);
	return seen;
}

describe('the web tier across two nodes', () => {
	let cluster: TestCluster;
	let nodeA: TestServer;
	let nodeB: TestServer;
	beforeAll(async () => {
		cluster = await startCluster(2, { SOCKET_MAX_CONNECTIONS_PER_USER: '2', ROOM_JOIN_RATE_PER_MINUTE: '1000' });
		[nodeA, nodeB] = cluster.nodes;
	}, 90_000);
	afterAll(() => cluster?.close());

	let n = 0;
	async function roomOfTwo() {
		n += 1;
		const ann = await nodeA.user(`Ann${n}`);
		const bob = await nodeA.user(`Bob${n}`);
		const room = await nodeA.ctx.rooms.create({ id: ann.id }, { name: 'Eval', visibility: 'private' });
		await nodeA.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		return { ann, bob, room };
	}

	async function joined(node: TestServer, who: { cookie: string }, roomId: string) {
		const socket = node.client({ cookie: who.cookie });
		await connected(socket);
		const ack: Result<RoomJoined> = await socket.timeout(5000).emitWithAck('room:join', { roomId });
		if (!ack.ok) throw new Error(ack.error.message);
		return { socket, ack: ack.data };
	}

	it('shows who is online on both nodes, and takes a disconnect on one node off the other', async () => {
		const { ann, bob, room } = await roomOfTwo();
		const annOnA = await joined(nodeA, ann, room.id);
		const sawBob = nextEvent(annOnA.socket, 'presence', (p) => p.online.length === 2);
		const bobOnB = await joined(nodeB, bob, room.id);
		// Bob's own node answers with Ann, whose socket is on the other node.
		expect(bobOnB.ack.online.map((u) => u.id).sort()).toEqual([ann.id, bob.id].sort());
		expect((await sawBob)[0].online.map((u) => u.id).sort()).toEqual([ann.id, bob.id].sort());

		// Bob's joins (the invite link on node A, room:join on node B) count against one limit, kept in Redis.
		const redis = nodeB.ctx.redis!;
		expect(await redis.commands.get(redis.key('limits', 'ROOM_JOIN_RATE_PER_MINUTE', bob.id))).toBe('2');

		const sawBobLeave = nextEvent(annOnA.socket, 'presence', (p) => p.online.length === 1);
		bobOnB.socket.disconnect();
		expect((await sawBobLeave)[0].online).toEqual([{ id: ann.id, name: expect.any(String) }]);
	});

	it('delivers a broadcast made on one node to sockets on both nodes exactly once', async () => {
		const { ann, bob, room } = await roomOfTwo();
		const annOnA = await joined(nodeA, ann, room.id);
		const bobOnB = await joined(nodeB, bob, room.id);
		const onA = record(annOnA.socket, 'activity');
		const onB = record(bobOnB.socket, 'activity');
		await nodeB.ctx.activity.record(room.id, { id: bob.id, name: 'Bob' }, 'run.started', null, 'from node B');
		await waitFor(() => onA.length > 0 && onB.length > 0, 'the activity on both nodes');
		await sleep(300); // a second copy would come within this
		expect(onA).toHaveLength(1);
		expect(onB).toHaveLength(1);
		expect(onA[0][0]).toMatchObject({ roomId: room.id, action: 'run.started' });
	});

	it('tells members on the other node that someone was added, once', async () => {
		const { ann, room } = await roomOfTwo();
		const annOnB = await joined(nodeB, ann, room.id);
		const members = record(annOnB.socket, 'room:members');
		const cid = await nodeA.user(`Cid${n}`);
		expect((await nodeA.ctx.rooms.joinByInvite({ id: cid.id }, room.inviteToken!)).ok).toBe(true);
		await waitFor(() => members.some(([m]) => m.members.some((x) => x.id === cid.id)), 'the new member on node B');
		await sleep(300);
		expect(members.filter(([m]) => m.members.some((x) => x.id === cid.id))).toHaveLength(1);
	});

	it('removes a member on one node: their sockets on the other leave the room and hear room:removed', async () => {
		const { ann, bob, room } = await roomOfTwo();
		const annOnA = await joined(nodeA, ann, room.id);
		const bobOnB = await joined(nodeB, bob, room.id);
		const removed = nextEvent(bobOnB.socket, 'room:removed');
		const presence = nextEvent(annOnA.socket, 'presence', (p) => !p.online.some((u) => u.id === bob.id));
		const result = await nodeA.ctx.rooms.removeMember({ id: ann.id }, room.id, bob.id);
		expect(result.ok).toBe(true);
		expect((await removed)[0]).toEqual({ roomId: room.id });
		await presence;
		const bobActivity = record(bobOnB.socket, 'activity');
		await nodeA.ctx.activity.record(room.id, { id: ann.id, name: 'Ann' }, 'run.started', null, 'after the removal');
		await sleep(300);
		expect(bobActivity).toHaveLength(0); // out of the channel on node B
	});

	it('restores a socket that comes back on the other node (connection-state recovery), with what it missed', async () => {
		const { ann, bob, room } = await roomOfTwo();
		const socket: TestClient = ioClient(nodeA.url, {
			transports: ['websocket'],
			extraHeaders: { cookie: ann.cookie },
			forceNew: true,
			reconnectionDelay: 300,
			reconnectionDelayMax: 300
		});
		try {
			await connected(socket);
			const presence = nextEvent(socket, 'presence'); // a broadcast: it gives the client an offset to resume from
			expect((await socket.timeout(5000).emitWithAck('room:join', { roomId: room.id })).ok).toBe(true);
			await presence;
			const activity = record(socket, 'activity');
			const back = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
			// A network blip, and the load balancer sends the reconnection to node B.
			(socket.io as unknown as { uri: string }).uri = nodeB.url;
			socket.io.engine.close();
			await nodeA.ctx.activity.record(room.id, { id: bob.id, name: 'Bob' }, 'run.started', null, 'while Ann was away');
			await Promise.race([back, sleep(5000)]);
			expect(socket.connected).toBe(true);
			expect(socket.recovered).toBe(true);
			await waitFor(() => activity.length === 1, 'the missed activity to be replayed');
			expect(activity[0][0]).toMatchObject({ detail: 'while Ann was away' });
			expect(await nodeB.ctx.realtime!.io.local.in(`room:${room.id}`).fetchSockets()).toHaveLength(1); // back in the room, on B
		} finally {
			socket.disconnect();
		}
	});

	it('applies a role change made on one node to the user’s sockets on the other', async () => {
		const { bob } = await roomOfTwo();
		const onB = nodeB.client({ cookie: bob.cookie });
		await connected(onB);
		const promoted = await nodeA.ctx.admin.setRole(bob.id, 'admin');
		expect(promoted.ok).toBe(true);
		const roleOnB = async () => (await nodeB.ctx.realtime!.io.local.in(`user:${bob.id}`).fetchSockets())[0]?.data.user.role;
		const inAdminsOnB = async () => (await nodeB.ctx.realtime!.io.local.in('admins').fetchSockets()).length;
		const deadline = Date.now() + 5000;
		while (((await roleOnB()) !== 'admin' || (await inAdminsOnB()) !== 1) && Date.now() < deadline) await sleep(20);
		expect(await roleOnB()).toBe('admin');
		expect(await inAdminsOnB()).toBe(1);
	});

	it('closes a session’s sockets on every node at logout', async () => {
		const { ann } = await roomOfTwo();
		const onB = nodeB.client({ cookie: ann.cookie });
		await connected(onB);
		const closed = new Promise<string>((resolve) => onB.once('disconnect', resolve));
		nodeA.ctx.realtime!.disconnectSession(ann.sessionId);
		expect(await Promise.race([closed, sleep(5000).then(() => 'still open')])).toBe('io server disconnect');
	});

	it('caps a user’s sockets across nodes (SOCKET_MAX_CONNECTIONS_PER_USER) and frees a slot on disconnect', async () => {
		const { ann } = await roomOfTwo();
		const first = nodeA.client({ cookie: ann.cookie });
		const second = nodeB.client({ cookie: ann.cookie });
		await Promise.all([connected(first), connected(second)]);
		for (const node of [nodeA, nodeB]) {
			const third = node.client({ cookie: ann.cookie });
			await expect(connected(third)).rejects.toThrow(/SOCKET_MAX_CONNECTIONS_PER_USER: 2/);
		}
		second.disconnect();
		// The slot is given back asynchronously (a Redis command): retry for a bounded time.
		const deadline = Date.now() + 5000;
		let accepted = false;
		while (!accepted && Date.now() < deadline) {
			const again = nodeA.client({ cookie: ann.cookie });
			accepted = await connected(again).then(
				() => true,
				() => false
			);
			if (!accepted) await sleep(50);
		}
		expect(accepted).toBe(true);
	});
});
