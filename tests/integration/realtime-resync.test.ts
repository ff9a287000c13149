// The fan-out's slow-client path (server/rooms/room-feed.ts): a socket that stops reading is cut off from run events
// once its engine.io send buffer passes MAX_BUFFERED_PACKETS, told `run:resync`, and catches up with `run:replay`.
// Real server, real Socket.IO clients; the slow one really stops reading its TCP socket (ws pause()).
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { RoomRunEvent } from '../../src/lib/contract/live';
import { randomToken } from '../../server/auth/tokens';
import { runRow } from '../helpers/run-storage';
import { MAX_BUFFERED_PACKETS } from '../../server/rooms/room-feed';
import { connected, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';

let server: TestServer;
let roomId: string;
let runId: string;
let ann: Awaited<ReturnType<TestServer['user']>>;
let bob: Awaited<ReturnType<TestServer['user']>>;

beforeEach(async () => {
	server = await startTestServer();
	ann = await server.user('Ann');
	bob = await server.user('Bob');
	const room = await server.ctx.rooms.create({ id: ann.id }, { name: 'Resync', visibility: 'private' });
	await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
	roomId = room.id;
	runId = randomToken(9);
	await server.ctx.runs.insert(runRow(runId, roomId, ann.id, { status: 'running' }));
	server.ctx.orchestrator.events.open(runId, roomId);
}, 60_000);
afterEach(() => server.close());

/**
 * A member's socket that applies one run's events in seq order and catches up like the browser's RoomRuns does:
 * on a gap or a `run:resync` it asks `run:replay` from the last applied seq (one request at a time, once more if
 * asked again meanwhile).
 */
async function member(cookie: string) {
	const socket: TestClient = server.client({ cookie });
	await connected(socket);
	const joined = await socket.emitWithAck('room:join', { roomId });
	if (!joined.ok) throw new Error(joined.error.message);
	const applied: number[] = [];
	const live: number[] = [];
	let resyncs = 0;
	let inFlight = false;
	let again = false;
	const last = () => applied.at(-1) ?? 0;
	const apply = (e: { seq: number }) => {
		if (e.seq === last() + 1) applied.push(e.seq);
	};
	const replay = async () => {
		if (inFlight) return void (again = true);
		inFlight = true;
		do {
			again = false;
			const result = await socket.emitWithAck('run:replay', { runId, afterSeq: last() });
			if (result.ok) result.data.events.forEach(apply);
		} while (again);
		inFlight = false;
	};
	socket.on('run:event', (e: RoomRunEvent) => {
		if (e.runId !== runId) return;
		live.push(e.seq);
		if (e.seq > last() + 1) void replay();
		else apply(e);
	});
	socket.on('run:resync', (p) => {
		if (p.runId !== runId) return;
		resyncs++;
		void replay();
	});
	return { socket, applied, live, resyncs: () => resyncs };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a client that falls behind is told to resync and catches up with no gap, while a fast one gets everything live', async () => {
	const slow = await member(ann.cookie);
	const fast = await member(bob.cookie);
	const log = server.ctx.orchestrator.events;
	const emit = (text: string) => log.emit(runId, 'tokens', { modelId: 'sy-tiny', text, count: 1 })!.seq;
	const onServer = server.ctx.realtime!.io.sockets.sockets.get(slow.socket.id!)!;
	const queued = () => (onServer.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;

	// The slow client stops reading. Large events fill the kernel's socket buffers until engine.io has to queue.
	const ws = (slow.socket.io.engine.transport as unknown as { ws: { pause(): void; resume(): void } }).ws;
	ws.pause();
	const big = 'x'.repeat(256 * 1024);
	let stuck = 0;
	for (let i = 0; i < 400 && stuck < 3; i++) {
		emit(big);
		await sleep(20);
		stuck = queued() > 0 ? stuck + 1 : 0; // still queued 20 ms later, three times running: the pipe is full
	}
	expect(stuck).toBe(3);

	// Past the threshold the socket is marked as lagging: from then on it is sent run:resync instead of events.
	// Emitted in small bursts, as tokens come: a single burst of over a thousand events in one tick would queue that
	// many packets for every socket, the fast one included, before any could be written.
	for (let i = 0; i < MAX_BUFFERED_PACKETS + 50; i++) {
		emit(`a${i} `);
		if (i % 50 === 49) await sleep(5);
	}
	const withheldUpTo = log.lastSeq(runId)!;
	expect(slow.resyncs()).toBe(0);

	let liveAtResync: number[] = [];
	slow.socket.once('run:resync', () => (liveAtResync = [...slow.live]));
	ws.resume();
	await vi.waitFor(() => expect(slow.resyncs()).toBeGreaterThan(0), { timeout: 15_000 });
	await vi.waitFor(() => expect(slow.applied.length).toBe(withheldUpTo), { timeout: 15_000 });
	// Caught up: the socket is back on live events.
	const tail = [emit('c1 '), emit('c2 '), emit('c3 ')];
	await vi.waitFor(() => expect(slow.live.slice(-3)).toEqual(tail), { timeout: 5000 });

	// Before the resync it got a gap-free prefix (what was queued before it was cut off) and nothing after it live.
	const cutAt = liveAtResync.length;
	expect(liveAtResync).toEqual(range(1, cutAt));
	expect(cutAt).toBeGreaterThanOrEqual(MAX_BUFFERED_PACKETS); // it was cut off only past the threshold
	expect(cutAt).toBeLessThan(withheldUpTo);
	expect(slow.live.filter((s) => s > cutAt && s <= withheldUpTo)).toEqual([]);
	const total = log.lastSeq(runId)!;
	expect(slow.applied).toEqual(range(1, total)); // every event once, in order: replay filled what live missed
	await vi.waitFor(() => expect(fast.applied.length).toBe(total), { timeout: 10_000 });
	expect(fast.live).toEqual(range(1, total));
	expect(fast.resyncs()).toBe(0);
}, 60_000);
