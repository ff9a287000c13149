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

/** A run's stored log once its ending is stored (the log is written in batches, a moment after viewers see it). */
const storedLog = (cluster: Cluster, runId: string, web?: WebNode) =>
	waitFor(
		'the stored log to end',
		async () => {
			const { events } = await cluster.run(runId, web);
			return TERMINAL.has(events.at(-1)?.type ?? '') ? events : undefined;
		},
		10_000,
		100
	);

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
	}, 300_000);
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
		const stored = await storedLog(cluster, runId);
		expect(seqs(a.seen.of(runId))).toEqual(seqs(b.seen.of(runId)));
		expect(seqs(a.seen.of(runId))).toEqual(seqs(stored));
		expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
		const loaded = stored.find((e) => e.type === 'model.loaded');
		expect(loaded?.data, JSON.stringify(stored.map((e) => [e.type, e.data]).slice(-6))).toMatchObject({
			modelId: 'sy-chat-small',
			workerId: 'w-b'
		});
	}, 90_000);

	it('a web node that stops answering (SIGSTOP) does not fail joins on the other: presence is then this node’s, until it answers again', async () => {
		await member(cluster.webs[1], bob); // Bob is in the room on web-2
		const stopped = cluster.webs[1].child;
		stopped.kill('SIGSTOP');
		try {
			const socket = await connect(cluster.webs[0], ann);
			sockets.push(socket);
			const joined = await socket.timeout(20_000).emitWithAck('room:join', { roomId });
			expect(joined.ok, JSON.stringify(joined)).toBe(true);
			if (joined.ok) expect(joined.data.online.map((u: { name: string }) => u.name)).toContain('Ann');
		} finally {
			stopped.kill('SIGCONT');
		}
		const again = await member(cluster.webs[0], ann);
		const presence = await again.socket.emitWithAck('room:join', { roomId });
		expect(presence.ok && presence.data.online.map((u) => u.name).sort()).toEqual(['Ann', 'Bob']);
	}, 90_000);

	it('routes a run to the worker that already holds its model, and says so in the router’s reasons', async () => {
		await cluster.startWorker('w-a'); // empty and first by name: only affinity sends the run to w-b
		const a = await member(cluster.webs[1], ann);
		const runId = await start(a.socket, { prompt: 'Summarise the room', mode: 'orchestrated' });
		await waitFor('the run to end', () => a.seen.ended(runId) || undefined, 60_000);
		const stored = await storedLog(cluster, runId);
		const routing = stored.find((e) => e.type === 'routing.decided');
		expect((routing?.data.reasons as string[]).join(' ')).toMatch(/worker w-b already holds it/);
		expect(stored.find((e) => e.type === 'model.loaded')?.data).toMatchObject({
			modelId: 'sy-chat-small',
			workerId: 'w-b',
			cacheHit: true
		});
	}, 90_000);

	const longAnswer = { prompt: 'Explain the router step by step', modelId: 'sy-reason', sampling: { maxTokens: 2000, seed: 2 } };
	const gapFree = (events: { seq: number }[]) => expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

	it('a cancel sent to another node stops the run where it is driven; the room’s queue holds across nodes', async () => {
		const a = await member(cluster.webs[0], ann);
		const b = await member(cluster.webs[1], bob);
		const first = await start(a.socket, longAnswer);
		const second = await start(b.socket, { prompt: 'And the next one, after it' });
		await waitFor('tokens', () => a.seen.of(first).some((e) => e.type === 'tokens') || undefined, 60_000, 5);
		expect(b.seen.of(second).some((e) => e.type === 'run.started')).toBe(false); // waits behind the first
		// From a node that does not drive the run: the cancel crosses the cluster to its driver (and on to the worker).
		const driver = await waitFor('a driver', () => cluster.webs.find((w) => w.lines.includes(`driving ${first}`)), 30_000, 10);
		const canceller = driver === cluster.webs[0] ? b.socket : a.socket;
		const cancelled = await canceller.emitWithAck('run:cancel', { runId: first });
		expect(cancelled.ok && cancelled.data.status).toBe('cancelled');
		await waitFor('the second run to end', () => b.seen.ended(second) || undefined, 60_000);
		const firstLog = await storedLog(cluster, first);
		const secondLog = await storedLog(cluster, second);
		expect(firstLog.at(-1)?.type).toBe('run.cancelled');
		const firstEnded = (firstLog.at(-1) as unknown as { ts: number }).ts;
		const secondStarted = (secondLog.find((e) => e.type === 'run.started') as unknown as { ts: number }).ts;
		expect(secondStarted).toBeGreaterThanOrEqual(firstEnded);
	}, 120_000);

	it('a worker killed mid-answer: the answer starts again on the other worker, and no viewer loses an event', async () => {
		const a = await member(cluster.webs[0], ann);
		const b = await member(cluster.webs[1], bob);
		const runId = await start(a.socket, longAnswer);
		const victim = await waitFor(
			'tokens from a worker',
			() => {
				const events = a.seen.of(runId);
				const loaded = events.find((e) => e.type === 'model.loaded');
				return loaded && events.some((e) => e.type === 'tokens') ? (loaded.data as { workerId: string }).workerId : undefined;
			},
			60_000,
			5
		);
		expect(a.seen.of(runId).some((e) => e.type === 'run.answer')).toBe(false); // killed mid-answer, not after
		await cluster.processes.find((p) => p.name === victim)!.kill('SIGKILL');
		await waitFor('both viewers to see the end', () => (a.seen.ended(runId) && b.seen.ended(runId)) || undefined, 90_000);
		const stored = await storedLog(cluster, runId);
		const survivor = victim === 'w-a' ? 'w-b' : 'w-a';
		expect(stored.find((e) => e.type === 'retry')?.data.reason).toBe(
			`worker ${victim} stopped while answering: starting again on worker ${survivor}`
		);
		expect(
			stored.filter((e) => e.type === 'model.loaded').at(-1)?.data.workerId,
			JSON.stringify(stored.filter((e) => e.type !== 'tokens').map((e) => [e.type, e.data]))
		).toBe(survivor);
		expect(stored.at(-1)?.type).toBe('run.finished');
		expect(seqs(a.seen.of(runId))).toEqual(seqs(stored));
		expect(seqs(b.seen.of(runId))).toEqual(seqs(stored));
		gapFree(stored);
	}, 150_000);

	it('a web node killed: its viewers reconnect to another node and catch up with no gap', async () => {
		await cluster.startWeb('web-3');
		const viewers = await Promise.all(cluster.webs.map((web) => member(web, bob)));
		const runId = await start(viewers[0].socket, longAnswer);
		const driver = await waitFor('a driver', () => cluster.webs.find((w) => w.lines.includes(`driving ${runId}`)), 30_000, 10);
		const index = cluster.webs.findIndex((w) => w !== driver);
		const victim = cluster.webs[index];
		const seen = viewers[index].seen;
		await waitFor('tokens on the victim’s viewer', () => seen.of(runId).some((e) => e.type === 'tokens') || undefined, 60_000, 5);
		await victim.kill('SIGKILL');
		const before = seen.of(runId);
		// The load balancer sends the viewer to a node that is up: it rejoins and replays from its last seq.
		const other = cluster.webs.find((w) => w !== victim)!;
		const back = await member(other, bob);
		const replayed = await back.socket.emitWithAck('run:replay', { runId, afterSeq: before.at(-1)!.seq });
		if (!replayed.ok) throw new Error(replayed.error.message);
		await waitFor('the end', () => back.seen.ended(runId) || replayed.data.events.some((e) => TERMINAL.has(e.type)) || undefined, 90_000);
		const bySeq = new Map<number, { seq: number; type: string }>();
		for (const e of [...before, ...replayed.data.events, ...back.seen.of(runId)]) bySeq.set(e.seq, e);
		const combined = [...bySeq.values()].sort((x, y) => x.seq - y.seq);
		const stored = await storedLog(cluster, runId, other);
		expect(seqs(combined)).toEqual(seqs(stored));
		gapFree(stored);
		cluster.webs.splice(index, 1);
	}, 150_000);

	it('the web node driving a run killed: another node continues it from its checkpoint, numbering on', async () => {
		const viewers = await Promise.all(cluster.webs.map((web) => member(web, ann)));
		const runId = await start(viewers[0].socket, { ...longAnswer, mode: 'orchestrated' });
		const driver = await waitFor('a driver', () => cluster.webs.find((w) => w.lines.includes(`driving ${runId}`)), 30_000, 10);
		const survivor = cluster.webs.find((w) => w !== driver)!;
		const watcher = viewers[cluster.webs.indexOf(survivor)].seen;
		await waitFor('tokens', () => watcher.of(runId).some((e) => e.type === 'tokens') || undefined, 60_000, 5);
		await driver.kill('SIGKILL');
		await waitFor('the other node to take the run over', () => survivor.lines.includes(`driving ${runId}`) || undefined, 30_000);
		await waitFor(
			'the run to end',
			async () => (['running', 'queued'].includes((await cluster.run(runId, survivor)).run?.status ?? 'running') ? undefined : true),
			90_000,
			200
		);
		const { run, events } = await cluster.run(runId, survivor);
		expect(run?.status).toMatch(/^(succeeded|failed_validation)$/);
		gapFree(events);
		const restarts = events.filter((e) => e.type === 'run.started');
		expect(restarts.at(-1)?.data).toEqual({ recovered: true });
		// From its checkpoint: the nodes that had finished before the executor did not run again.
		expect(events.filter((e) => e.type === 'node.finished' && e.data.node === 'taskAnalyzer')).toHaveLength(1);
		expect(watcher.of(runId).some((e) => e.type === 'run.started' && (e.data as { recovered?: boolean }).recovered)).toBe(true);
		cluster.webs.splice(cluster.webs.indexOf(driver), 1);
	}, 150_000);

	it('an admin command aimed at one worker runs there, and its cache event reaches the admins', async () => {
		const admin = await connect(cluster.webs[0], ann); // the first account is the admin
		sockets.push(admin);
		const target = (await cluster.workers())[0].id;
		const loaded = new Promise<{ modelId: string; workerId?: string }>((resolve) => admin.on('cache:loaded', resolve));
		const result = await cluster.post<{ ok: boolean; data: { workerId: string; result: { ok: boolean } }[] }>('/__test/command', {
			target,
			action: 'preload',
			modelId: 'sy-tiny'
		});
		expect(result.ok).toBe(true);
		expect(result.data.map((r) => [r.workerId, r.result.ok])).toEqual([[target, true]]);
		expect(await loaded).toMatchObject({ modelId: 'sy-tiny', workerId: target });
		const state = await waitFor('the heartbeat to show it', async () =>
			(await cluster.workers()).find((w) => w.id === target && w.models.some((m) => m.id === 'sy-tiny' && m.state === 'ready'))
		);
		expect(state.id).toBe(target);
	}, 60_000);

	it('Redis restarted: the cluster recovers without restarting its processes', async () => {
		await cluster.restartRedis();
		await waitFor('the worker to heartbeat again', async () => ((await cluster.workers()).length > 0 ? true : undefined), 30_000, 200);
		const a = await member(cluster.webs[0], ann);
		const runId = await start(a.socket, { prompt: 'Are we back?' });
		await waitFor('the run to end', () => a.seen.ended(runId) || undefined, 60_000);
		const stored = await storedLog(cluster, runId);
		expect(stored.at(-1)?.type).toBe('run.finished');
		expect(seqs(a.seen.of(runId))).toEqual(seqs(stored));
	}, 120_000);
});
