import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../helpers/models';
import { connected, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';
import { fuzzRest } from '../fuzz/rest-fuzz';
import { fuzzSockets } from '../fuzz/socket-fuzz';

// CI size by default; `npm run fuzz -- --count 100000` runs the same cases at length and writes bench/results/fuzz.json.
const COUNT = Number(process.env.FUZZ_COUNT ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const REPORT = process.env.FUZZ_REPORT;
const LONG = COUNT > 1_000;

let server: TestServer;
let watcher: TestClient;
let watchedRunId: string;
let ann: Awaited<ReturnType<TestServer['user']>>;
let cy: Awaited<ReturnType<TestServer['user']>>;
let roomId: string;
const results: Record<string, unknown> = {};

beforeAll(async () => {
	server = await startTestServer({ MODELS_DIR, MODEL_KEEP_ALIVE_S: '0', RUNS_MAX_ACTIVE_PER_USER: '2', RUNS_MAX_ACTIVE_PER_ROOM: '4' });
	ann = await server.user('Ann');
	const bob = await server.user('Bob');
	roomId = (await server.ctx.rooms.create({ id: ann.id }, { name: 'Fuzzed', visibility: 'private' })).id;
	// Cy is another member of the fuzzed room: the post-fuzz probe. Ann's own joins are spent by the fuzz
	// (ROOM_JOIN_RATE_PER_MINUTE is per user), so a probe as Ann would test the rate limit, not the server.
	cy = await server.user('Cy');
	const invited = await server.ctx.rooms.inviteByEmail({ id: ann.id }, roomId, 'cy@example.com');
	if (!invited.ok) throw new Error(invited.error.message);
	// Bob watches a run in a room of his own while Ann's connection throws garbage at the server.
	const bobsRoom = await server.ctx.rooms.create({ id: bob.id }, { name: 'Watched', visibility: 'private' });
	watcher = server.client({ cookie: bob.cookie });
	await connected(watcher);
	await watcher.emitWithAck('room:join', { roomId: bobsRoom.id });
	const started = await watcher.emitWithAck('run:start', {
		roomId: bobsRoom.id,
		prompt: 'Explain everything about rooms in detail',
		mode: 'direct',
		modelId: 'sy-reason',
		sampling: { maxTokens: 8000, seed: 5 }
	});
	if (!started.ok) throw new Error(started.error.message);
	watchedRunId = started.data.id;
}, 120_000);

afterAll(async () => {
	if (REPORT) await writeFile(REPORT, JSON.stringify({ count: COUNT, seed: SEED, ...results }, null, 2) + '\n');
	await server?.close();
});

describe('fuzzing every entrance', () => {
	it(
		'socket events: every payload gets a clear answer, the server stays up, memory stays bounded, a run keeps streaming',
		async () => {
			const fuzzer = () => {
				const socket = server.client({ cookie: ann.cookie });
				return socket;
			};
			const first = fuzzer();
			await connected(first);
			let handed = false;
			const report = await fuzzSockets({
				server,
				fuzzer: () => (handed ? fuzzer() : ((handed = true), first)),
				roomId,
				watchedRunId,
				watcher,
				count: COUNT,
				seed: SEED,
				settleMs: REPORT ? 15_000 : 0 // a written report also says what RSS comes back to once idle
			});
			results.sockets = report;
			expect(report.unclear).toEqual([]);
			expect(report.cases).toBe(COUNT);
			expect(Object.keys(report.byEvent).length).toBe(10); // every event was fuzzed
			expect(report.watcherTokenFrames).toBeGreaterThan(0);
			expect(report.heapUsedMb.after - report.heapUsedMb.before).toBeLessThan(64); // retained, after a full GC
			// Still serving: another member's fresh client connects and joins (a refusal shows its code and message).
			const probe = server.client({ cookie: cy.cookie });
			await connected(probe);
			expect(await probe.emitWithAck('room:join', { roomId })).toMatchObject({ ok: true });
			// The watched run's log is whole.
			await server.ctx.orchestrator.waitForRun(watchedRunId);
			const events = await server.ctx.runs.eventsAfter(watchedRunId, 0);
			expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
		},
		LONG ? 3_600_000 : 120_000
	);

	it(
		'REST and /v1 bodies: every answer is a 4xx or a success, never a 5xx or an unexpected throw',
		async () => {
			const user = (await server.ctx.auth.validateApiKey(ann.apiKey))!;
			const { session } = await server.ctx.auth.createSession(ann.id);
			const report = await fuzzRest({
				ctx: server.ctx,
				user,
				session: { id: session.id, expiresAt: session.expiresAt },
				roomId,
				runId: watchedRunId,
				count: Math.ceil(COUNT / 2),
				seed: SEED
			});
			results.rest = report;
			expect(report.unclear).toEqual([]);
			expect(Object.keys(report.statuses).some((s) => s.startsWith('4'))).toBe(true);
		},
		LONG ? 3_600_000 : 120_000
	);
});
