// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { RoomRuns, type RunSocket } from './room-runs.svelte';
import { ev, FakeSocket, happyRun, ROOM, summary } from './test-events';

const A = 'runaaaaaaaaa';
const B = 'runbbbbbbbbb';

function setup() {
	const socket = new FakeSocket();
	const seen: string[] = [];
	const runs = new RoomRuns(socket as unknown as RunSocket, ROOM, { onEvent: (e) => seen.push(`${e.runId}:${e.seq}`) });
	return { socket, runs, seen };
}

describe('RoomRuns', () => {
	test('live events create the run, focus it while following, and apply in order', () => {
		const { socket, runs, seen } = setup();
		for (const e of happyRun(A)) socket.serve('run:event', e);
		expect(runs.order).toEqual([A]);
		expect(runs.focused?.id).toBe(A);
		expect(runs.focused?.status).toBe('succeeded');
		expect(seen).toHaveLength(happyRun(A).length);
		expect(socket.count('run:replay')).toBe(0);
	});

	test('events of other rooms are ignored', () => {
		const { socket, runs } = setup();
		socket.serve('run:event', { ...happyRun(A)[0], roomId: 'otherroomaaa' });
		expect(runs.order).toEqual([]);
	});

	test('a gap asks for a replay from the last seq, once, and the replay fills it', () => {
		const { socket, runs, seen } = setup();
		const events = happyRun(A);
		socket.serve('run:event', events[0]);
		socket.serve('run:event', events[3]);
		socket.serve('run:event', events[4]);
		expect(socket.count('run:replay')).toBe(1);
		const replay = socket.take('run:replay');
		expect(replay.payload).toEqual({ runId: A, afterSeq: 1 });
		replay.ack({ ok: true, data: { events: events.slice(1, 5), lastSeq: 5 } });
		expect(runs.runs[A].lastSeq).toBe(5);
		expect(seen).toEqual([1, 2, 3, 4, 5].map((s) => `${A}:${s}`));
		expect(socket.count('run:replay')).toBe(0);
	});

	test('a second gap during a replay asks again when the first lands', () => {
		const { socket, runs } = setup();
		const events = happyRun(A);
		socket.serve('run:event', events[0]);
		socket.serve('run:event', events[2]);
		const first = socket.take('run:replay');
		socket.serve('run:resync', { runId: A });
		expect(socket.count('run:replay')).toBe(0);
		first.ack({ ok: true, data: { events: events.slice(1, 3), lastSeq: 3 } });
		const second = socket.take('run:replay');
		expect(second.payload).toEqual({ runId: A, afterSeq: 3 });
		second.ack({ ok: true, data: { events: events.slice(3), lastSeq: events.length } });
		expect(runs.runs[A].status).toBe('succeeded');
	});

	test('run:resync replays the run from where the view stands', () => {
		const { socket } = setup();
		const events = happyRun(A);
		for (const e of events.slice(0, 6)) socket.serve('run:event', e);
		socket.serve('run:resync', { runId: A });
		expect(socket.take('run:replay').payload).toEqual({ runId: A, afterSeq: 6 });
	});

	test('the join snapshot replays active runs from 0 and focuses the newest', () => {
		const { socket, runs } = setup();
		runs.seed({ activeRuns: [summary(A, { createdAt: 1 }), summary(B, { createdAt: 2, status: 'waiting_approval' })], recentRuns: [] });
		expect(runs.order).toEqual([B, A]);
		expect(runs.focusedId).toBe(B);
		const replays = socket.sent.filter((s) => s.event === 'run:replay').map((s) => s.payload);
		expect(replays).toEqual([
			{ runId: A, afterSeq: 0 },
			{ runId: B, afterSeq: 0 }
		]);
		expect(runs.runs[B].status).toBe('waiting_approval');
	});

	test('with no active run the latest finished one is shown (replayed from 0)', () => {
		const { socket, runs } = setup();
		runs.seed({ activeRuns: [], recentRuns: [summary(A, { status: 'succeeded', title: 'Done' })] });
		expect(runs.focused?.title).toBe('Done');
		const replay = socket.take('run:replay');
		replay.ack({ ok: true, data: { events: happyRun(A), lastSeq: 24 } });
		expect(runs.focused?.text).toBe('Hello **world**');
	});

	test('reconnect: acks in flight are dropped, the rejoin replays from the last seq and catches runs that ended offline', () => {
		const { socket, runs } = setup();
		const a = happyRun(A);
		const b = happyRun(B);
		for (const e of a.slice(0, 10)) socket.serve('run:event', e);
		for (const e of b.slice(0, 4)) socket.serve('run:event', e);
		socket.serve('run:event', b[6]); // gap → replay in flight
		expect(socket.count('run:replay')).toBe(1);
		socket.connected = false;
		socket.serve('disconnect');
		const lost = socket.take('run:replay');
		socket.connected = true;
		// A is still running, B finished while we were away.
		runs.seed({ activeRuns: [summary(A, { lastSeq: 10 })], recentRuns: [summary(B, { status: 'succeeded' })] });
		const payloads = socket.sent.filter((s) => s.event === 'run:replay').map((s) => s.payload);
		expect(payloads).toEqual(
			expect.arrayContaining([
				{ runId: A, afterSeq: 10 },
				{ runId: B, afterSeq: 4 }
			])
		);
		lost.ack({ ok: true, data: { events: b.slice(4), lastSeq: b.length } }); // late ack of the old connection: ignored
		expect(runs.runs[B].lastSeq).toBe(4);
		for (const s of socket.sent.splice(0)) {
			const list = s.payload.runId === A ? a : b;
			s.ack({ ok: true, data: { events: list.slice(s.payload.afterSeq), lastSeq: list.length } });
		}
		expect(runs.runs[A].status).toBe('succeeded');
		expect(runs.runs[B].status).toBe('succeeded');
		expect(runs.focusedId).toBe(B); // the newest run we saw start keeps the focus
	});

	test('no replay is sent while offline', () => {
		const { socket, runs } = setup();
		socket.connected = false;
		runs.seed({ activeRuns: [summary(A)], recentRuns: [] });
		expect(socket.count('run:replay')).toBe(0);
	});

	test('a replay refused as not found forgets the run', () => {
		const { socket, runs } = setup();
		runs.seed({ activeRuns: [summary(A)], recentRuns: [] });
		socket.take('run:replay').ack({ ok: false, error: { code: 'not_found', message: 'No such run' } });
		expect(runs.order).toEqual([]);
		expect(runs.focusedId).toBeNull();
	});

	test('commands send the contract payloads and resolve with the ack', async () => {
		const { socket, runs } = setup();
		const started = runs.start();
		const start = socket.take('run:start');
		expect(start.payload).toEqual({ roomId: ROOM });
		start.ack({ ok: true, data: summary(A, { status: 'queued' }) });
		expect((await started).ok).toBe(true);
		expect(runs.focusedId).toBe(A);

		const cancelled = runs.cancel(A);
		socket.take('run:cancel').ack({ ok: false, error: { code: 'conflict', message: 'The run already ended' } });
		expect(await cancelled).toEqual({ ok: false, error: { code: 'conflict', message: 'The run already ended' } });
		expect(runs.error?.code).toBe('conflict');

		void runs.resume(A, { action: 'override', modelId: 'sy-code', sampling: { temperature: 0.2 } });
		expect(socket.take('run:resume').payload).toEqual({
			runId: A,
			decision: { action: 'override', modelId: 'sy-code', sampling: { temperature: 0.2 } }
		});

		const forked = runs.fork(A, { node: 'executor' });
		const fork = socket.take('run:fork');
		expect(fork.payload).toEqual({ runId: A, node: 'executor' });
		fork.ack({ ok: true, data: summary(B, { parentRunId: A, createdAt: 5_000 }) });
		await forked;
		expect(runs.order).toEqual([B, A]);
		expect(runs.focusedId).toBe(B);
		expect(runs.error).toBeNull();

		socket.connected = false;
		expect((await runs.start()).ok).toBe(false);
	});

	test('cancellable: the focused run when active, else the newest active one', () => {
		const { socket, runs } = setup();
		for (const e of happyRun(A)) socket.serve('run:event', e);
		socket.serve('run:event', happyRun(B)[0]);
		runs.focus(A);
		expect(runs.cancellable?.id).toBe(B);
		runs.focus(B);
		expect(runs.cancellable?.id).toBe(B);
		expect(runs.active.map((r) => r.id)).toEqual([B]);
	});

	test('while not following, a new run does not steal the focus', () => {
		const { socket, runs } = setup();
		socket.serve('run:event', happyRun(A)[0]);
		runs.focus(A, false);
		socket.serve('run:event', happyRun(B)[0]);
		expect(runs.focusedId).toBe(A);
		expect(runs.order).toEqual([B, A]);
	});

	test('destroy stops listening', () => {
		const { socket, runs } = setup();
		runs.destroy();
		expect(socket.listeners('run:event')).toBe(0);
		expect(socket.listeners('run:resync')).toBe(0);
		socket.serve('run:event', ev(A, 1, 'run.started', {}));
		expect(runs.order).toEqual([]);
	});

	test('after a server restart that lost unstored events, the run is rebuilt from the log and continues', () => {
		const { socket, runs } = setup();
		const before = happyRun(A).slice(0, 15); // saw up to the second token frame (seq 15)
		for (const e of before) socket.serve('run:event', e);
		expect(runs.runs[A].streams['sy-chat-small']).toBe('Hello **world**');
		// The new process stored only up to seq 12 and continues the run from its checkpoint (the executor starts over).
		runs.seed({ activeRuns: [summary(A, { lastSeq: 12 })], recentRuns: [] });
		const replay = socket.take('run:replay');
		expect(replay.payload).toEqual({ runId: A, afterSeq: 0 });
		const stored = before.slice(0, 12);
		const continued = [
			ev(A, 13, 'run.started', { recovered: true }),
			ev(A, 14, 'node.started', { node: 'executor' }),
			ev(A, 15, 'tokens', { modelId: 'sy-chat-small', text: 'Hi', count: 1 })
		];
		replay.ack({ ok: true, data: { events: [...stored, ...continued], lastSeq: 15 } });
		const view = runs.runs[A];
		expect(view.lastSeq).toBe(15);
		expect(view.streams['sy-chat-small']).toBe('Hi');
		expect(view.nodes.executor.status).toBe('running');
		expect(runs.focused?.id).toBe(A);
	});

	test('a run taken over by another driver (its first driver died) is rebuilt from the log when the recovered start repeats a seq', () => {
		const { socket, runs } = setup();
		const before = happyRun(A).slice(0, 15); // saw up to seq 15 live; the dead driver had stored only up to 12
		for (const e of before) socket.serve('run:event', e);
		socket.serve('run:event', ev(A, 13, 'run.started', { recovered: true }));
		const replay = socket.take('run:replay');
		expect(replay.payload).toEqual({ runId: A, afterSeq: 0 });
		socket.serve('run:event', ev(A, 14, 'node.started', { node: 'executor' }));
		replay.ack({ ok: true, data: { events: [...before.slice(0, 12), ev(A, 13, 'run.started', { recovered: true })], lastSeq: 13 } });
		const view = runs.runs[A];
		expect(view.lastSeq).toBe(14);
		expect(view.streams).toEqual({});
		expect(view.nodes.executor.status).toBe('running');
		// The same recovered start again (a late live copy) is a plain duplicate, not another rebuild.
		socket.serve('run:event', ev(A, 13, 'run.started', { recovered: true }));
		expect(socket.count('run:replay')).toBe(0);
	});

	test('a queued run knows its place: behind the running and queued runs that entered before it', () => {
		const { runs } = setup();
		const C = 'runcccccccccc';
		runs.seed({
			activeRuns: [
				summary(A, { status: 'running', createdAt: 1 }),
				summary(B, { status: 'waiting_approval', createdAt: 2 }),
				summary(C, { status: 'queued', createdAt: 3 })
			],
			recentRuns: []
		});
		expect(runs.queuePlace(C)).toEqual({ place: 2, ahead: 1 }); // the run at approval lets it by
		expect(runs.queuePlace(A)).toBeNull();
	});
});
