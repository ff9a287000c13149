import { isHttpError } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/lib/contract/result';
import type { RunEvent } from '../../src/lib/contract/runs';
import { SETTINGS_MAP } from '../../src/lib/contract/yjs';
import { POST as restStart } from '../../src/routes/api/runs/+server';
import { POST as v1Chat } from '../../src/routes/v1/chat/completions/+server';
import type { AppContext } from '../../server/app';
import type { PublicUser } from '../../server/auth/users.repository';
import { DIALECTS, freshDatabase, type TestDatabase } from '../helpers/databases';
import { MODELS_DIR } from '../helpers/models';
import { connected, startTestServer, type TestServer } from '../helpers/test-server';

// The three ways to start a run (socket `run:start`, REST `POST /api/runs`, OpenAI `POST /v1/chat/completions`)
// go through one runs service: the same activity record, the same room policy and the same refusals. The REST and
// /v1 handlers are SvelteKit's own route modules, called with a request event as SvelteKit would build it.

type Started = { ok: true; runId: string } | { ok: false; code: ErrorCode };
interface StartSpec {
	roomId: string;
	prompt: string;
	modelId: string;
	maxTokens: number;
}
type Entrance = (server: TestServer, who: Person, spec: StartSpec) => Promise<Started>;
interface Person {
	user: PublicUser;
	cookie: string;
}

const STATUS_CODES: Record<number, ErrorCode> = { 400: 'bad_request', 403: 'forbidden', 404: 'not_found', 429: 'rate_limited' };

function requestEvent(ctx: AppContext, user: PublicUser, url: string, body: unknown) {
	const request = new Request(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
	return { locals: { app: ctx, user, session: null }, request, url: new URL(url), params: {} } as never;
}

async function fromResponse(call: () => Response | Promise<Response>, runId: (res: Response) => Promise<string>): Promise<Started> {
	try {
		const res = await call();
		if (res.ok) return { ok: true, runId: await runId(res) };
		return { ok: false, code: STATUS_CODES[res.status] ?? 'internal' };
	} catch (err) {
		if (isHttpError(err)) return { ok: false, code: STATUS_CODES[err.status] ?? 'internal' };
		throw err;
	}
}

const entrances: Record<string, Entrance> = {
	async socket(server, who, spec) {
		const socket = server.client({ cookie: who.cookie });
		await connected(socket);
		const ack = await socket.emitWithAck('run:start', {
			roomId: spec.roomId,
			prompt: spec.prompt,
			mode: 'direct',
			modelId: spec.modelId,
			sampling: { maxTokens: spec.maxTokens, seed: 1 }
		});
		socket.disconnect();
		return ack.ok ? { ok: true, runId: ack.data.id } : { ok: false, code: ack.error.code };
	},
	async rest(server, who, spec) {
		const body = {
			roomId: spec.roomId,
			prompt: spec.prompt,
			mode: 'direct',
			modelId: spec.modelId,
			sampling: { maxTokens: spec.maxTokens, seed: 1 }
		};
		return fromResponse(
			() => restStart(requestEvent(server.ctx, who.user, 'http://localhost/api/runs', body)),
			async (res) => ((await res.json()) as { id: string }).id
		);
	},
	async v1(server, who, spec) {
		const body = {
			model: spec.modelId,
			messages: [{ role: 'user', content: spec.prompt }],
			max_tokens: spec.maxTokens,
			seed: 1,
			stream: true
		};
		const event = requestEvent(server.ctx, who.user, 'http://localhost/v1/chat/completions', body) as { request: Request };
		event.request.headers.set('x-switchyard-room', spec.roomId);
		return fromResponse(
			() => v1Chat(event as never),
			async (res) => {
				void res.text(); // keep reading the stream to its end, as a client would (closing it cancels the run)
				return res.headers.get('x-switchyard-run-id')!;
			}
		);
	}
};

async function eventsOf(server: TestServer, runId: string): Promise<RunEvent[]> {
	return server.ctx.orchestrator.events.eventsAfter(runId, 0);
}

async function setPolicy(server: TestServer, roomId: string, runPolicy: 'queue' | 'parallel') {
	const room = await server.ctx.yjs.acquire(roomId);
	room.doc.getMap(SETTINGS_MAP).set('runPolicy', runPolicy);
	server.ctx.yjs.release(roomId);
}

/**
 * A run that keeps running until cancelled: its model's only sequence is held by the test (MODEL_PARALLELISM=1),
 * so its executor waits for it. Resolves once the executor is waiting.
 */
async function blocker(server: TestServer, ann: Person, roomId: string): Promise<string> {
	const started = await entrances.socket(server, ann, { roomId, prompt: 'Wait for the model', modelId: 'sy-reason', maxTokens: 8 });
	if (!started.ok) throw new Error(`blocker refused: ${started.code}`);
	let stop = () => {};
	await new Promise<void>((resolve) => {
		void server.ctx.orchestrator
			.follow(started.runId, 0, (e) => {
				if (e.type === 'node.started' && e.data.node === 'executor') resolve();
			})
			.then((off) => (stop = off));
	});
	stop();
	return started.runId;
}

describe.each(DIALECTS)('the three entrances to runs on %s', (dialect) => {
	let database: TestDatabase;
	let server: TestServer;
	let ann: Person;
	let bob: Person;
	let roomId: string;
	let held: { release(): Promise<void> };

	beforeAll(async () => {
		database = await freshDatabase(dialect);
		const url = database.config.kind === 'postgres' ? database.config.url : 'sqlite::memory:';
		server = await startTestServer({
			DATABASE_URL: url,
			MODELS_DIR,
			MODEL_KEEP_ALIVE_S: '0',
			MODEL_PARALLELISM: '1',
			RUNS_MAX_ACTIVE_PER_ROOM: '3'
		});
		held = await server.ctx.models.manager.acquire('sy-reason');
		const person = async (name: string): Promise<Person> => {
			const u = await server.user(name);
			return { user: (await server.ctx.auth.validateApiKey(u.apiKey))!, cookie: u.cookie };
		};
		ann = await person('Ann');
		bob = await person('Bob');
		roomId = (await server.ctx.rooms.create(ann.user, { name: 'Entrances', visibility: 'private' })).id;
	}, 120_000);
	afterAll(async () => {
		await held?.release();
		await server?.close();
		await database?.drop();
	});

	for (const [name, start] of Object.entries(entrances)) {
		it(`${name}: records the run in the room's activity feed`, async () => {
			const started = await start(server, ann, { roomId, prompt: `Hello from ${name}`, modelId: 'sy-tiny', maxTokens: 8 });
			expect(started.ok).toBe(true);
			if (!started.ok) return;
			await server.ctx.orchestrator.waitForRun(started.runId);
			const feed = await server.ctx.activity.recent(roomId);
			expect(feed.find((a) => a.runId === started.runId)).toMatchObject({
				action: 'run.started',
				actor: { id: ann.user.id },
				detail: `Hello from ${name}`
			});
		});

		it(`${name}: refuses non-members, unknown models and empty prompts with the same codes`, async () => {
			const spec = { roomId, prompt: 'Hi', modelId: 'sy-tiny', maxTokens: 8 };
			expect(await start(server, bob, spec)).toEqual({ ok: false, code: 'forbidden' });
			expect(await start(server, ann, { ...spec, modelId: 'no-such-model' })).toEqual({ ok: false, code: 'not_found' });
			expect(await start(server, ann, { ...spec, prompt: '   ' })).toEqual({ ok: false, code: 'bad_request' });
		});

		it(`${name}: a 'queue' room starts the run after the one before it, a 'parallel' room at once`, async () => {
			await setPolicy(server, roomId, 'queue');
			const first = await blocker(server, ann, roomId);
			const queued = await start(server, ann, { roomId, prompt: 'Queued', modelId: 'sy-tiny', maxTokens: 8 });
			if (!queued.ok) throw new Error(queued.code);
			await new Promise((r) => setTimeout(r, 200));
			expect((await eventsOf(server, queued.runId)).map((e) => e.type)).not.toContain('run.started');
			await server.ctx.orchestrator.cancel(first, ann.user.id);
			await server.ctx.orchestrator.waitForRun(queued.runId);
			const firstEnd = (await eventsOf(server, first)).at(-1)!;
			const queuedStart = (await eventsOf(server, queued.runId)).find((e) => e.type === 'run.started')!;
			expect(queuedStart.ts).toBeGreaterThanOrEqual(firstEnd.ts);

			await setPolicy(server, roomId, 'parallel');
			const second = await blocker(server, ann, roomId);
			const beside = await start(server, ann, { roomId, prompt: 'Beside', modelId: 'sy-tiny', maxTokens: 8 });
			if (!beside.ok) throw new Error(beside.code);
			expect((await server.ctx.orchestrator.waitForRun(beside.runId))!.status).toBe('succeeded');
			expect((await server.ctx.orchestrator.get(second))!.status).toBe('running');
			await server.ctx.orchestrator.cancel(second, ann.user.id);
			await setPolicy(server, roomId, 'queue');
		}, 60_000);
	}

	it('every entrance refuses a run past the room limit, naming the limit', async () => {
		// Three runs parked at the approval gate fill the room (RUNS_MAX_ACTIVE_PER_ROOM=3).
		const socket = server.client({ cookie: ann.cookie });
		await connected(socket);
		const parked: string[] = [];
		for (let i = 0; i < 3; i++) {
			const ack = await socket.emitWithAck('run:start', {
				roomId,
				prompt: `Parked ${i}`,
				mode: 'direct',
				modelId: 'sy-tiny',
				approvalGate: true
			});
			if (!ack.ok) throw new Error(ack.error.message);
			parked.push(ack.data.id);
			await server.ctx.orchestrator.waitForRun(ack.data.id);
		}
		const refused = await socket.emitWithAck('run:start', { roomId, prompt: 'One too many', mode: 'direct', modelId: 'sy-tiny' });
		expect(refused).toMatchObject({
			ok: false,
			error: { code: 'rate_limited', message: expect.stringContaining('RUNS_MAX_ACTIVE_PER_ROOM') }
		});
		for (const [name, start] of Object.entries(entrances)) {
			expect(await start(server, ann, { roomId, prompt: 'One too many', modelId: 'sy-tiny', maxTokens: 8 }), name).toEqual({
				ok: false,
				code: 'rate_limited'
			});
		}
		for (const id of parked) await server.ctx.runsService.cancel(ann.user, id);
		const again = await entrances.rest(server, ann, { roomId, prompt: 'Room again', modelId: 'sy-tiny', maxTokens: 8 });
		expect(again.ok).toBe(true);
		if (again.ok) await server.ctx.orchestrator.waitForRun(again.runId);
	});
});
