// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { RoomDetail } from '../contract/rooms';
import { RoomLive } from './room-live.svelte';
import type { AppSocket } from './socket';
import { ev, FakeSocket, happyRun, metrics, ROOM, summary } from './test-events';

const room: RoomDetail = {
	id: ROOM,
	name: 'Launch',
	visibility: 'private',
	ownerId: 'ann',
	createdAt: 1,
	memberCount: 1,
	role: 'owner',
	steering: 'everyone',
	members: [{ id: 'ann', name: 'Ann', role: 'owner', driver: true }]
};

beforeEach(() => {
	vi.stubGlobal(
		'fetch',
		vi.fn(
			async (url: string) =>
				new Response(
					JSON.stringify(
						String(url).startsWith('/v1/models')
							? { data: [{ id: 'auto' }, { id: 'sy-tiny' }, { id: 'sy-code' }] }
							: { runs: [], nextBefore: null }
					),
					{
						headers: { 'content-type': 'application/json' }
					}
				)
		)
	);
});
afterEach(() => vi.unstubAllGlobals());

function setup() {
	const socket = new FakeSocket();
	const live = new RoomLive(socket as unknown as AppSocket, room, { id: 'ann', name: 'Ann' });
	const join = socket.take('room:join');
	return { socket, live, join };
}

describe('RoomLive', () => {
	test('the shared draft and the history wait for the join: a visitor of a public room becomes a member first', async () => {
		const { socket, join } = setup();
		await Promise.resolve();
		expect(socket.count('yjs:sync')).toBe(0);
		expect(vi.mocked(fetch).mock.calls.filter(([url]) => String(url).startsWith('/api/runs'))).toHaveLength(0);
		join.ack({ ok: true, data: { room, online: [], activeRuns: [], recentRuns: [], activity: [], telemetry: [] } });
		expect(socket.count('yjs:sync')).toBe(1);
		expect(vi.mocked(fetch).mock.calls.filter(([url]) => String(url).startsWith('/api/runs'))).toHaveLength(1);
		// A rejoin (reconnect) starts neither twice.
		socket.serve('connect');
		socket.take('room:join').ack({ ok: true, data: { room, online: [], activeRuns: [], recentRuns: [], activity: [], telemetry: [] } });
		expect(vi.mocked(fetch).mock.calls.filter(([url]) => String(url).startsWith('/api/runs'))).toHaveLength(1);
	});

	test('the join snapshot seeds runs (replayed), the activity feed and telemetry', () => {
		const { socket, live, join } = setup();
		expect(join.payload).toEqual({ roomId: ROOM });
		const sample = {
			at: Date.now(),
			windowMs: 1000,
			cpu: { cores: 2, machinePercent: 10, processPercent: 1 },
			memory: { usedBytes: 1, totalBytes: 2, processRssBytes: 1 },
			eventLoop: { meanMs: 0, p99Ms: 0, maxMs: 0 },
			gpu: { available: false, reason: 'none', llamaVram: null },
			modelCache: { loadedModels: 0, residentBytes: 0 },
			runs: { activeRuns: 1, queueDepth: 0 }
		};
		join.ack({
			ok: true,
			data: {
				room,
				online: [{ id: 'ann', name: 'Ann' }],
				activeRuns: [summary('runaaaaaaaaa')],
				recentRuns: [],
				activity: [
					{ id: 'act1', roomId: ROOM, ts: 5, actor: { id: 'ann', name: 'Ann' }, action: 'run.started', runId: 'runaaaaaaaaa', detail: null }
				],
				telemetry: [sample]
			}
		});
		expect(live.session.status).toBe('live');
		expect(socket.take('run:replay').payload).toEqual({ runId: 'runaaaaaaaaa', afterSeq: 0 });
		expect(live.activity.items.map((i) => i.id)).toEqual(['act1']);
		expect(live.telemetry.samples).toHaveLength(1);
		expect(live.shown?.id).toBe('runaaaaaaaaa');
		// Live activity and telemetry follow.
		socket.serve('activity', {
			id: 'act2',
			roomId: ROOM,
			ts: 6,
			actor: { id: 'bob', name: 'Bob' },
			action: 'run.cancelled',
			runId: 'runaaaaaaaaa',
			detail: null
		});
		socket.serve('telemetry', { ...sample, at: sample.at + 1000 });
		expect(live.activity.items.map((i) => i.id)).toEqual(['act2', 'act1']);
		expect(live.telemetry.samples).toHaveLength(2);
		live.destroy();
		expect(socket.listeners('activity') + socket.listeners('telemetry') + socket.listeners('run:event')).toBe(0);
	});

	test('Run says why it cannot start, and sends the shared draft (with the compare models in compare mode)', async () => {
		const { socket, live, join } = setup();
		join.ack({ ok: true, data: { room, online: [], activeRuns: [], recentRuns: [], activity: [], telemetry: [] } });
		await live.run();
		expect(live.notice).toBe('The prompt is empty');
		expect(socket.count('run:start')).toBe(0);

		live.prompt.text.insert(0, 'Hello');
		const started = live.run();
		const start = socket.take('run:start');
		expect(start.payload).toEqual({ roomId: ROOM });
		start.ack({ ok: true, data: summary('runaaaaaaaaa', { status: 'queued' }) });
		await started;
		expect(live.notice).toBeNull();
		expect(live.runs.focusedId).toBe('runaaaaaaaaa');

		live.prompt.set('mode', 'compare');
		expect(live.runBlocker).toBe('Pick 2–4 models to compare');
		live.prompt.setCompareModels(['sy-tiny', 'sy-code']);
		void live.run();
		expect(socket.take('run:start').payload).toEqual({ roomId: ROOM }); // the server reads them from the draft

		live.prompt.set('mode', 'direct');
		expect(live.runBlocker).toBe('Direct mode needs a model');
	});

	test('a refused command shows its message; cancel targets the running run; answers feed the speed chart', async () => {
		const { socket, live, join } = setup();
		join.ack({ ok: true, data: { room, online: [], activeRuns: [], recentRuns: [], activity: [], telemetry: [] } });
		const events = happyRun('runaaaaaaaaa').map((e) => ({ ...e, ts: Date.now() }));
		for (const e of events.slice(0, 12)) socket.serve('run:event', e);
		const cancelled = live.cancel();
		socket.take('run:cancel').ack({ ok: false, error: { code: 'conflict', message: 'The run already ended' } });
		await cancelled;
		expect(live.notice).toBe('The run already ended');
		for (const e of events.slice(12)) socket.serve('run:event', e);
		expect(live.telemetry.answers).toHaveLength(1);
		expect(live.telemetry.answers[0].tokensPerSecond).toBe(metrics().tokensPerSecond);
		await live.cancel(); // nothing running: nothing sent
		expect(socket.count('run:cancel')).toBe(0);
	});

	test('drivers-only rooms: members who are not drivers cannot steer until the owner makes them drivers', async () => {
		const socket = new FakeSocket();
		const bob = { id: 'bob', name: 'Bob', role: 'member' as const, driver: false };
		const drivers: RoomDetail = { ...room, steering: 'drivers', members: [...room.members, bob] };
		const live = new RoomLive(socket as unknown as AppSocket, drivers, { id: 'bob', name: 'Bob' });
		socket
			.take('room:join')
			.ack({ ok: true, data: { room: drivers, online: [], activeRuns: [], recentRuns: [], activity: [], telemetry: [] } });
		live.prompt.text.insert(0, 'Hi');
		expect(live.maySteer).toBe(false);
		expect(live.runBlocker).toBe('Only drivers can run in this room');
		socket.serve('run:event', happyRun('runaaaaaaaaa')[0]);
		await live.cancel();
		expect(socket.count('run:cancel')).toBe(0);
		expect(live.notice).toBe('Only drivers can cancel runs in this room');
		socket.serve('room:members', { roomId: ROOM, members: [room.members[0], { ...bob, driver: true }] });
		expect(live.maySteer).toBe(true);
		expect(live.runBlocker).toBeNull();
	});

	test('approval decisions go to the shown run; a fork follows the new run', async () => {
		const { socket, live, join } = setup();
		join.ack({ ok: true, data: { room, online: [], activeRuns: [], recentRuns: [], activity: [], telemetry: [] } });
		for (const e of happyRun('runaaaaaaaaa').slice(0, 9)) socket.serve('run:event', e);
		socket.serve(
			'run:event',
			ev('runaaaaaaaaa', 10, 'run.interrupted', { kind: 'approval', modelId: 'sy-tiny', reasons: [], fallbacks: [] })
		);
		void live.decide({ action: 'approve' });
		expect(socket.take('run:resume').payload).toEqual({ runId: 'runaaaaaaaaa', decision: { action: 'approve' } });
		live.selectedNode = 'executor';
		const forked = live.forkFrom('executor');
		const fork = socket.take('run:fork');
		expect(fork.payload).toEqual({ runId: 'runaaaaaaaaa', node: 'executor' });
		fork.ack({ ok: true, data: summary('runbbbbbbbbb', { parentRunId: 'runaaaaaaaaa', createdAt: Date.now() }) });
		await forked;
		expect(live.selectedNode).toBeNull();
		expect(live.shown?.id).toBe('runbbbbbbbbb');
	});
});
