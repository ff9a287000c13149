// Run events across two web nodes: the node driving a run numbers its events, every other node hears them on the
// Redis run bus and fans them out to its own sockets. A viewer on the other node must end up with every event, live
// or by run:replay — never silently short of the run's end. Real nodes, real Redis, real PostgreSQL, real clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomRunEvent } from '../../src/lib/contract/live';
import { randomToken } from '../../server/auth/tokens';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { runRow } from '../helpers/run-storage';
import { connected, type TestClient, type TestServer } from '../helpers/test-server';
import { sleep, waitFor } from '../helpers/yjs-editors';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('run events fanned out by the second of two web nodes', () => {
	let cluster: TestCluster;
	let driver: TestServer;
	let other: TestServer;
	let owner: Awaited<ReturnType<TestServer['user']>>;
	let roomId: string;
	beforeAll(async () => {
		cluster = await startCluster(2, { SOCKET_MAX_CONNECTIONS_PER_USER: '1000', ROOM_JOIN_RATE_PER_MINUTE: '100000' });
		[driver, other] = cluster.nodes;
		owner = await driver.user('Owner');
		roomId = (await driver.ctx.rooms.create({ id: owner.id }, { name: 'Fan-out', visibility: 'private' })).id;
	}, 90_000);
	afterAll(() => cluster?.close());

	async function openRun(): Promise<string> {
		const runId = randomToken(9);
		await driver.ctx.runs.insert(runRow(runId, roomId, owner.id, { status: 'running' }));
		driver.ctx.orchestrator.events.open(runId, roomId);
		return runId;
	}

	/** A viewer that applies a run's events in seq order and catches up like the browser: a gap or run:resync → run:replay. */
	async function viewer(node: TestServer, runId: string) {
		const socket: TestClient = node.client({ cookie: owner.cookie });
		await connected(socket);
		const joined = await socket.timeout(10_000).emitWithAck('room:join', { roomId });
		if (!joined.ok) throw new Error(joined.error.message);
		const applied: number[] = [];
		const live: number[] = [];
		let resyncs = 0;
		const last = () => applied.at(-1) ?? 0;
		const replay = async () => {
			const result = await socket.timeout(10_000).emitWithAck('run:replay', { runId, afterSeq: last() });
			if (result.ok) for (const e of result.data.events) if (e.seq === last() + 1) applied.push(e.seq);
		};
		socket.on('run:event', (e: RoomRunEvent) => {
			if (e.runId !== runId) return;
			live.push(e.seq);
			if (e.seq === last() + 1) applied.push(e.seq);
			else if (e.seq > last() + 1) void replay();
		});
		socket.on('run:resync', () => {
			resyncs++;
			void replay();
		});
		return { socket, applied, live, replay, resyncs: () => resyncs };
	}

	it('a burst to many viewers on the other node: each gets every event live, in order, with no gap', async () => {
		const runId = await openRun();
		const far = await Promise.all(range(1, 40).map(() => viewer(other, runId)));
		const near = await Promise.all(range(1, 5).map(() => viewer(driver, runId)));
		const log = driver.ctx.orchestrator.events;
		// Tokens come in bursts (one frame's worth per tick): 600 events in bursts of 50.
		for (let i = 0; i < 600; i++) {
			log.emit(runId, 'tokens', { modelId: 'sy-tiny', text: `t${i} `, count: 1 });
			if (i % 50 === 49) await sleep(2);
		}
		await log.close(runId);
		const all = range(1, 600);
		await waitFor(() => [...far, ...near].every((v) => v.applied.length === all.length), 'every viewer to hold the run', 20_000);
		for (const v of [...far, ...near]) {
			expect(v.live).toEqual(all);
			expect(v.resyncs()).toBe(0);
		}
		for (const v of [...far, ...near]) v.socket.disconnect();
	}, 60_000);

	it('a replay on the other node returns every event that node has already sent, stored yet or not', async () => {
		const runId = await openRun();
		const far = await viewer(other, runId);
		const log = driver.ctx.orchestrator.events;
		for (let i = 0; i < 5; i++) log.emit(runId, 'tokens', { modelId: 'sy-tiny', text: `t${i} `, count: 1 });
		// The other node has fanned them out; the driver stores them in its next batch (within ~100 ms).
		await waitFor(() => far.live.length === 5, 'the live events on the other node', 5000);
		const result = await far.socket.timeout(10_000).emitWithAck('run:replay', { runId, afterSeq: 0 });
		expect(result.ok && result.data.events.map((e: { seq: number }) => e.seq)).toEqual(range(1, 5));
		await log.close(runId);
		far.socket.disconnect();
	}, 30_000);
});
