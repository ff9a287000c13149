import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomRunEvent } from '../../src/lib/contract/live';
import type { RunEvent } from '../../src/lib/contract/runs';
import { MODELS_DIR } from '../helpers/models';
import { connected, nextEvent, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';

const TERMINAL = new Set(['run.finished', 'run.failed', 'run.cancelled']);

/** Collects every live run event on a socket; `done` resolves at the first terminal event. */
function collect(socket: TestClient) {
	const events: RoomRunEvent[] = [];
	let resolveDone!: () => void;
	const done = new Promise<void>((r) => (resolveDone = r));
	socket.on('run:event', (e) => {
		events.push(e);
		if (TERMINAL.has(e.type)) resolveDone();
	});
	return { events, done };
}

describe('live runs in rooms', () => {
	let server: TestServer;
	let ann: Awaited<ReturnType<TestServer['user']>>;
	let bob: Awaited<ReturnType<TestServer['user']>>;
	let roomId: string;

	beforeEach(async () => {
		server = await startTestServer({ MODELS_DIR, MODEL_KEEP_ALIVE_S: '0', TELEMETRY_INTERVAL_MS: '100' });
		ann = await server.user('Ann');
		bob = await server.user('Bob');
		const room = await server.ctx.rooms.create({ id: ann.id }, { name: 'Live', visibility: 'private' });
		await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		roomId = room.id;
	}, 120_000);
	afterEach(() => server.close());

	async function member(cookie: string) {
		const socket = server.client({ cookie });
		await connected(socket);
		const joined = await socket.emitWithAck('room:join', { roomId });
		if (!joined.ok) throw new Error(joined.error.message);
		return { socket, joined: joined.data };
	}

	const start = (socket: TestClient, prompt: string, extra: Record<string, unknown> = {}) =>
		socket.emitWithAck('run:start', {
			roomId,
			prompt,
			mode: 'direct',
			modelId: 'sy-chat-small',
			sampling: { maxTokens: 64, seed: 1 },
			...extra
		});

	it('two members see identical event sequences, gap-free, and the activity entry', async () => {
		const a = await member(ann.cookie);
		const b = await member(bob.cookie);
		const seenA = collect(a.socket);
		const seenB = collect(b.socket);
		const activity = nextEvent(b.socket, 'activity');
		const started = await start(a.socket, 'How do rooms work?');
		expect(started.ok).toBe(true);
		const runId = started.ok ? started.data.id : undefined;
		await Promise.all([seenA.done, seenB.done]);
		const strip = (es: RoomRunEvent[]) => es.filter((e) => e.runId === runId).map((e) => `${e.seq}:${e.type}`);
		expect(strip(seenA.events)).toEqual(strip(seenB.events));
		const stored = await server.ctx.runs.eventsAfter(runId!, 0);
		expect(strip(seenA.events)).toEqual(stored.map((e) => `${e.seq}:${e.type}`));
		expect((await activity)[0]).toMatchObject({ action: 'run.started', actor: { name: 'Ann' }, runId });
	});

	it('a viewer that disconnects mid-run and comes back ends up with every event exactly once, in order', async () => {
		const a = await member(ann.cookie);
		const b = await member(bob.cookie);
		let runId: string | undefined;
		const all = collect(a.socket);
		const before: RoomRunEvent[] = [];
		b.socket.on('run:event', (e) => e.runId === runId && before.push(e));
		const started = await start(a.socket, 'Explain the router', { modelId: 'sy-reason', sampling: { maxTokens: 2000, seed: 2 } });
		runId = started.ok ? started.data.id : undefined;
		await nextEvent(b.socket, 'run:event', (e) => e.runId === runId && e.type === 'tokens');
		b.socket.disconnect();
		await all.done;
		await server.ctx.orchestrator.waitForRun(runId!); // viewers hear the end before its events are stored

		// Back: rejoin (the snapshot tells what is unfinished), then replay after the last seq seen.
		const again = await member(bob.cookie);
		const lastSeen = before.at(-1)!.seq;
		const replay = await again.socket.emitWithAck('run:replay', { runId: runId!, afterSeq: lastSeen });
		expect(replay.ok).toBe(true);
		const merged: RunEvent[] = [...before, ...(replay.ok ? replay.data.events : [])];
		const full = await server.ctx.runs.eventsAfter(runId!, 0);
		expect(merged.map((e) => e.seq)).toEqual(full.map((e) => e.seq));
		expect(merged.map((e) => e.type)).toEqual(full.map((e) => e.type));
	});

	it('a late joiner gets the active run in the snapshot, replays it and then follows live', async () => {
		const a = await member(ann.cookie);
		const started = await start(a.socket, 'Tell me everything', { modelId: 'sy-reason', sampling: { maxTokens: 3000, seed: 3 } });
		const runId = started.ok ? started.data.id : '';
		await nextEvent(a.socket, 'run:event', (e) => e.runId === runId && e.type === 'tokens');

		const late = server.client({ cookie: bob.cookie });
		await connected(late);
		const live: RoomRunEvent[] = [];
		late.on('run:event', (e) => e.runId === runId && live.push(e));
		const joined = await late.emitWithAck('room:join', { roomId });
		expect(joined.ok && joined.data.activeRuns.map((r) => r.id)).toEqual([runId]);
		const replay = await late.emitWithAck('run:replay', { runId, afterSeq: 0 });
		const done = nextEvent(late, 'run:event', (e) => e.runId === runId && TERMINAL.has(e.type), 20_000);
		await done;
		const bySeq = new Map<number, string>();
		for (const e of [...(replay.ok ? replay.data.events : []), ...live]) bySeq.set(e.seq, e.type);
		const full = await server.ctx.runs.eventsAfter(runId, 0);
		expect([...bySeq.keys()].sort((x, y) => x - y)).toEqual(full.map((e) => e.seq));
	});

	it('cancel by one member takes effect for all', async () => {
		const a = await member(ann.cookie);
		const b = await member(bob.cookie);
		const started = await start(a.socket, 'Go on and on', { modelId: 'sy-reason', sampling: { maxTokens: 5000, seed: 4 } });
		const runId = started.ok ? started.data.id : '';
		await nextEvent(b.socket, 'run:event', (e) => e.runId === runId && e.type === 'tokens');
		const seenByAnn = nextEvent(a.socket, 'run:event', (e) => e.runId === runId && e.type === 'run.cancelled');
		const cancelled = await b.socket.emitWithAck('run:cancel', { runId });
		expect(cancelled.ok && cancelled.data.status).toBe('cancelled');
		expect((await seenByAnn)[0].data).toMatchObject({ by: bob.id });
	});

	it('an approval answered by one member resumes the run for everyone', async () => {
		const a = await member(ann.cookie);
		const b = await member(bob.cookie);
		const started = await start(a.socket, 'What is a room?', { approvalGate: true, mode: 'orchestrated', modelId: undefined });
		const runId = started.ok ? started.data.id : '';
		await nextEvent(b.socket, 'run:event', (e) => e.runId === runId && e.type === 'run.interrupted');
		const finished = nextEvent(a.socket, 'run:event', (e) => e.runId === runId && e.type === 'run.finished', 20_000);
		const resumed = await b.socket.emitWithAck('run:resume', { runId, decision: { action: 'override', modelId: 'sy-tiny' } });
		expect(resumed.ok).toBe(true);
		expect((await finished)[0].data).toMatchObject({ modelId: 'sy-tiny' });
	});

	it('runs queue behind each other in a room by default', async () => {
		const a = await member(ann.cookie);
		const first = await start(a.socket, 'first', { sampling: { maxTokens: 200, seed: 5 } });
		const second = await start(a.socket, 'second', { sampling: { maxTokens: 20, seed: 6 } });
		const firstId = first.ok ? first.data.id : '';
		const secondId = second.ok ? second.data.id : '';
		await server.ctx.orchestrator.waitForRun(firstId);
		await server.ctx.orchestrator.waitForRun(secondId);
		const firstEnd = (await server.ctx.runs.eventsAfter(firstId, 0)).at(-1)!;
		const secondStart = (await server.ctx.runs.eventsAfter(secondId, 0)).find((e) => e.type === 'run.started')!;
		expect(secondStart.ts).toBeGreaterThanOrEqual(firstEnd.ts);
	});

	it('non-members cannot join, start, steer or replay', async () => {
		const eve = await server.user('Eve');
		const a = await member(ann.cookie);
		const started = await start(a.socket, 'secret');
		const runId = started.ok ? started.data.id : '';
		const outsider = server.client({ cookie: eve.cookie });
		await connected(outsider);
		expect((await outsider.emitWithAck('room:join', { roomId })).ok).toBe(false);
		expect(await outsider.emitWithAck('run:start', { roomId, prompt: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		for (const result of [
			await outsider.emitWithAck('run:cancel', { runId }),
			await outsider.emitWithAck('run:replay', { runId, afterSeq: 0 }),
			await outsider.emitWithAck('run:resume', { runId, decision: { action: 'approve' } }),
			await outsider.emitWithAck('run:fork', { runId, node: 'executor' })
		]) {
			expect(result).toMatchObject({ ok: false, error: { code: 'not_found' } });
		}
		const leaked: unknown[] = [];
		outsider.on('run:event', (e) => leaked.push(e));
		await server.ctx.orchestrator.waitForRun(runId);
		expect(leaked).toEqual([]);
	});

	it('in a drivers-only room, only drivers and the owner steer', async () => {
		await server.ctx.rooms.setSteering({ id: ann.id }, roomId, 'drivers');
		const a = await member(ann.cookie);
		const b = await member(bob.cookie);
		expect(await start(b.socket, 'not allowed')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const started = await start(a.socket, 'allowed', { modelId: 'sy-reason', sampling: { maxTokens: 3000, seed: 7 } });
		const runId = started.ok ? started.data.id : '';
		expect(await b.socket.emitWithAck('run:cancel', { runId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect((await b.socket.emitWithAck('run:replay', { runId, afterSeq: 0 })).ok).toBe(true); // watching is fine
		await server.ctx.rooms.setDriver({ id: ann.id }, roomId, bob.id, true);
		expect((await b.socket.emitWithAck('run:cancel', { runId })).ok).toBe(true);
	});

	it('runs the shared draft when no prompt is given, and refuses an empty draft', async () => {
		const a = await member(ann.cookie);
		const empty = await a.socket.emitWithAck('run:start', { roomId });
		expect(empty).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/prompt/i) } });
	});

	it('streams telemetry to sockets in a room and stops when they leave', async () => {
		server.ctx.observability.sampler.start();
		const a = await member(ann.cookie);
		const sample = (await nextEvent(a.socket, 'telemetry'))[0];
		expect(sample.gpu.available).toBe(false);
		expect(sample.memory.totalBytes).toBeGreaterThan(0);
		await a.socket.emitWithAck('room:leave', { roomId });
		let after = 0;
		a.socket.on('telemetry', () => after++);
		await new Promise((r) => setTimeout(r, 400));
		expect(after).toBe(0);
		server.ctx.observability.sampler.stop();
	});
});
