// The scale-out, tested for real: two web nodes and two inference workers as separate OS processes on loopback,
// one PostgreSQL database and a private redis-server. Each step is bounded; the cluster is shared by the steps in
// order (a killed process stays dead for the steps after it).
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomRunEvent } from '../../src/lib/contract/live';
import { startCluster, waitFor, type Cluster, type WebNode } from '../helpers/cluster-processes';
import type { TestClient } from '../helpers/test-server';

const TERMINAL = new Set(['run.finished', 'run.failed', 'run.cancelled']);

interface User {
	id: string;
	cookie: string;
}

function connect(web: WebNode, user: User): Promise<TestClient> {
	const socket: TestClient = ioClient(web.url, {
		transports: ['websocket'],
		extraHeaders: { cookie: user.cookie },
		reconnection: false,
		forceNew: true
	});
	return new Promise((resolve, reject) => {
		socket.once('connect', () => resolve(socket));
		socket.once('connect_error', reject);
	});
}

/** Every run event a socket receives, by run. */
function watch(socket: TestClient) {
	const events: RoomRunEvent[] = [];
	socket.on('run:event', (e) => events.push(e));
	return {
		events,
		of: (runId: string) => events.filter((e) => e.runId === runId),
		ended: (runId: string) => events.some((e) => e.runId === runId && TERMINAL.has(e.type))
	};
}

const seqs = (events: { seq: number; type: string }[]) => events.map((e) => `${e.seq}:${e.type}`);

describe('a cluster of two web nodes and two workers', () => {
	let cluster: Cluster;
	let ann: User;
	let bob: User;
	let roomId: string;
	const sockets: TestClient[] = [];

	beforeAll(async () => {
		cluster = await startCluster();
		await Promise.all([cluster.startWeb('web-1'), cluster.startWeb('web-2')]);
		await cluster.startWorker('w-b');
		ann = await cluster.post<User>('/__test/user', { name: 'Ann' });
		bob = await cluster.post<User>('/__test/user', { name: 'Bob' });
		roomId = (await cluster.post<{ id: string }>('/__test/room', { ownerId: ann.id, memberIds: [bob.id] })).id;
	}, 180_000);
	afterAll(async () => {
		for (const s of sockets) s.disconnect();
		await cluster?.close();
	}, 60_000);

	async function member(web: WebNode, user: User) {
		const socket = await connect(web, user);
		sockets.push(socket);
		const joined = await socket.emitWithAck('room:join', { roomId });
		if (!joined.ok) throw new Error(joined.error.message);
		return { socket, seen: watch(socket) };
	}

	const start = async (socket: TestClient, request: Record<string, unknown>) => {
		const started = await socket.emitWithAck('run:start', {
			roomId,
			mode: 'direct',
			modelId: 'sy-chat-small',
			sampling: { maxTokens: 48, seed: 1 },
			...request
		} as never);
		if (!started.ok) throw new Error(started.error.message);
		return started.data.id;
	};

	it('members on different web nodes receive the same gap-free event sequence, equal to the stored log', async () => {
		const a = await member(cluster.webs[0], ann);
		const b = await member(cluster.webs[1], bob);
		const runId = await start(a.socket, { prompt: 'How do rooms work?' });
		await waitFor('both viewers to see the end', () => (a.seen.ended(runId) && b.seen.ended(runId)) || undefined, 60_000);
		const stored = (await cluster.run(runId)).events;
		expect(seqs(a.seen.of(runId))).toEqual(seqs(b.seen.of(runId)));
		expect(seqs(a.seen.of(runId))).toEqual(seqs(stored));
		expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
		const loaded = stored.find((e) => e.type === 'model.loaded');
		expect(loaded?.data).toMatchObject({ modelId: 'sy-chat-small', workerId: 'w-b' });
	}, 90_000);

	it('routes a run to the worker that already holds its model, and says so in the router’s reasons', async () => {
		await cluster.startWorker('w-a'); // empty and first by name: only affinity sends the run to w-b
		const a = await member(cluster.webs[1], ann);
		const runId = await start(a.socket, { prompt: 'Summarise the room', mode: 'orchestrated' });
		await waitFor('the run to end', () => a.seen.ended(runId) || undefined, 60_000);
		const stored = (await cluster.run(runId)).events;
		const routing = stored.find((e) => e.type === 'routing.decided');
		expect((routing?.data.reasons as string[]).join(' ')).toMatch(/worker w-b already holds it/);
		expect(stored.find((e) => e.type === 'model.loaded')?.data).toMatchObject({
			modelId: 'sy-chat-small',
			workerId: 'w-b',
			cacheHit: true
		});
	}, 90_000);
});
