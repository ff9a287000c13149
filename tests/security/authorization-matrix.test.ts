// Checks every cell of the authorization matrix (tests/security/matrix.ts) on one real server, each through its
// real entrance:
//  - socket events: a real socket.io-client connects with the role's credentials (session cookie, or the API key in
//    `auth.token`) through the real handshake, sends the event and reads the ack;
//  - HTTP (REST, /v1, page loads, form actions): a real Request carrying the role's cookie or Authorization header
//    goes through src/hooks.server.ts's `handle` (authentication, sliding sessions, cross-origin refusal), whose
//    `resolve` calls the route module as SvelteKit does (HttpError → its status, Redirect → 303 + location,
//    ActionFailure → its status). SvelteKit's own form CSRF check runs before `handle` and is not part of this.
// Roles: a revoked key is revoked through the auth service; an expired session is a real session whose expires_at
// was moved into the past in the database. Rows marked `fresh` get their own rooms, so cells do not disturb each other;
// rows marked `removedFirst` also have the owner add and then remove the caller before the call.
import { isActionFailure, isHttpError, isRedirect, type RequestEvent } from '@sveltejs/kit';
import { parse as parseCookie } from 'cookie';
import * as encoding from 'lib0/encoding';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomDetail } from '../../src/lib/contract/rooms';
import type { Result } from '../../src/lib/contract/result';
import { PROMPT_TEXT, SETTINGS_MAP } from '../../src/lib/contract/yjs';
import { handle } from '../../src/hooks.server';
import { registerAppContext } from '../../server/app-registry';
import type { QuarantineStore } from '../../server/models/quarantine';
import { encodeUpdateMessage } from '../../server/yjs/protocol';
import { MODELS_DIR } from '../helpers/models';
import { connected, nextEvent, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';
import {
	entrance,
	MATRIX,
	placeholdersOf,
	PULL_MODEL,
	QUARANTINED_MODEL,
	ROLE_INFO,
	ROLES,
	type HttpOutcome,
	type HttpRow,
	type Placeholder,
	type ReceiveRow,
	type Role,
	type Row,
	type SocketOutcome,
	type SocketRow
} from './matrix';

type Person = Awaited<ReturnType<TestServer['user']>>;
interface Scene {
	lab: RoomDetail; // private, every member steers: Olive owns it, Mel and Sam are members
	ops: RoomDetail; // private, drivers only: Olive owns it, Nico and Sam are members (not drivers)
	lounge: RoomDetail; // public: only Olive
	finished: Map<string, Promise<string>>;
}
interface Credentials {
	cookie?: string;
	bearer?: string;
}

const serverModules = import.meta.glob('../../src/routes/**/+server.ts');
const pageModules = import.meta.glob(['../../src/routes/**/+page.server.ts', '../../src/routes/**/+layout.server.ts']);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'fallback'];
const ORIGIN = 'http://localhost';

/** Every per-address and per-user limit, raised (see beforeAll). */
const MATRIX_LIMITS = {
	LOGIN_RATE_PER_MINUTE: '1000000',
	LOGIN_ADDRESS_RATE_PER_MINUTE: '1000000',
	SIGNUP_RATE_PER_MINUTE: '1000000',
	ROOM_CREATE_RATE_PER_MINUTE: '1000000',
	API_KEY_CREATE_RATE_PER_MINUTE: '1000000',
	ROOM_JOIN_RATE_PER_MINUTE: '1000000',
	RUN_REPLAY_RATE_PER_MINUTE: '1000000',
	SOCKET_MAX_CONNECTIONS_PER_USER: '100000',
	RUNS_MAX_ACTIVE_PER_USER: '10000',
	RUNS_MAX_ACTIVE_PER_ROOM: '10000'
} as const;

let server: TestServer;
let ada: Person; // the first account: admin
let olive: Person; // owner
let mel: Person; // member (and the API-key column)
let nico: Person; // non-driver in the drivers-only room
let otto: Person; // signed in, in no room of the scene
let sam: Person; // a plain member of both rooms: the target of member management, and the login account
let shared: Scene;
let counter = 0;
const savedEndpoint = process.env.MODEL_ENDPOINT;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	// A pull fails at once (nothing listens on port 9) instead of reaching for the network.
	process.env.MODEL_ENDPOINT = 'http://127.0.0.1:9';
	server = await startTestServer({
		MODELS_DIR,
		MODEL_KEEP_ALIVE_S: '0',
		MODEL_RAM_BUDGET_MB: '512',
		METRICS_TOKEN: 'matrix-metrics-token-0123456789',
		// The matrix tests authorization, not rate limiting (server/rate-limits.test.ts, server/rooms/rooms.service.test.ts
		// and tests/integration/*-limits.test.ts do): every cell comes from one address and a handful of users, and the
		// fresh rows' scenes alone join rooms hundreds of times a minute, so every limit is raised past anything the
		// matrix does and no cell can read a 429 (or a refused handshake) where it checks an access rule.
		...MATRIX_LIMITS
	});
	registerAppContext(server.ctx);
	ada = await server.user('Ada');
	olive = await server.user('Olive');
	mel = await server.user('Mel');
	nico = await server.user('Nico');
	otto = await server.user('Otto');
	sam = await server.user('Sam');
	await server.user('Zed');
	expect((await server.ctx.auth.validateApiKey(ada.apiKey))?.role).toBe('admin');
	expect(await server.ctx.auth.revokeApiKey(keyIdOf(olive.apiKey), olive.id)).toBe(true);
	shared = await makeScene();
}, 120_000);

afterAll(async () => {
	if (savedEndpoint === undefined) delete process.env.MODEL_ENDPOINT;
	else process.env.MODEL_ENDPOINT = savedEndpoint;
	if (!server) return;
	for (const run of await server.ctx.runs.listUnfinished()) await server.ctx.orchestrator.cancel(run.id, olive.id);
	await server.close();
});

const keyIdOf = (key: string) => key.slice('sy_'.length).split('.')[0];

async function makeScene(): Promise<Scene> {
	const { rooms } = server.ctx;
	const lab = await rooms.create({ id: olive.id }, { name: 'Lab', visibility: 'private' });
	const ops = await rooms.create({ id: olive.id }, { name: 'Ops', visibility: 'private' });
	const lounge = await rooms.create({ id: olive.id }, { name: 'Lounge', visibility: 'public' });
	for (const [room, people] of [
		[lab, [mel, sam]],
		[ops, [nico, sam]]
	] as const) {
		for (const person of people) {
			const joined = await rooms.joinByInvite({ id: person.id }, room.inviteToken!);
			if (!joined.ok) throw new Error(joined.error.message);
		}
	}
	const steering = await rooms.setSteering({ id: olive.id }, ops.id, 'drivers');
	if (!steering.ok) throw new Error(steering.error.message);
	// Runs in these rooms start side by side: a run parked at the approval gate must not hold the others back.
	for (const roomId of [lab.id, ops.id]) {
		const doc = await server.ctx.yjs.acquire(roomId);
		doc.doc.getMap(SETTINGS_MAP).set('runPolicy', 'parallel');
		server.ctx.yjs.release(roomId);
	}
	return { lab, ops, lounge, finished: new Map() };
}

/** The account behind a role's credentials and its email (none for anonymous). */
function accountOf(role: Role): { person: Person; email: string } | undefined {
	const account = (person: Person, name: string) => ({ person, email: `${name}@example.com` });
	switch (role) {
		case 'anonymous':
			return undefined;
		case 'outsider':
			return account(otto, 'otto');
		case 'member':
		case 'apiKey':
			return account(mel, 'mel');
		case 'nondriver':
			return account(nico, 'nico');
		case 'admin':
			return account(ada, 'ada');
		case 'owner':
		case 'revokedKey':
		case 'expiredSession':
			return account(olive, 'olive');
	}
}

/** `removedFirst` rows: the owner adds the caller to each room of the scene, then removes them (not the owner). */
async function removeCaller(role: Role, scene: Scene): Promise<void> {
	const account = accountOf(role);
	if (!account || account.person.id === olive.id) return;
	for (const room of [scene.lab, scene.ops, scene.lounge]) {
		const added = await server.ctx.rooms.inviteByEmail({ id: olive.id }, room.id, account.email);
		if (!added.ok) throw new Error(added.error.message);
		const removed = await server.ctx.rooms.removeMember({ id: olive.id }, room.id, account.person.id);
		if (!removed.ok) throw new Error(removed.error.message);
	}
}

/** The room a role's cells are about: the drivers-only room for the non-driver, the other room for everyone else. */
const roomFor = (role: Role, scene: Scene) => (role === 'nondriver' ? scene.ops : scene.lab);

const directRun = { mode: 'direct' as const, modelId: 'sy-tiny', sampling: { maxTokens: 4, seed: 1 } };

async function startAsOwner(roomId: string, prompt: string, approvalGate = false): Promise<string> {
	const started = await server.ctx.runsService.start({ id: olive.id, name: 'Olive' }, { roomId, prompt, ...directRun, approvalGate });
	if (!started.ok) throw new Error(`fixture run refused: ${started.error.message}`);
	const settled = await server.ctx.orchestrator.waitForRun(started.data.id);
	const wanted = approvalGate ? 'waiting_approval' : 'succeeded';
	if (settled?.status !== wanted) throw new Error(`fixture run ended ${settled?.status}, expected ${wanted}`);
	return started.data.id;
}

function finishedRun(scene: Scene, roomId: string): Promise<string> {
	let run = scene.finished.get(roomId);
	if (!run) scene.finished.set(roomId, (run = startAsOwner(roomId, 'A finished run')));
	return run;
}

function syncMessage(write: (encoder: encoding.Encoder, doc: Y.Doc) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	write(encoder, new Y.Doc());
	return encoding.toUint8Array(encoder);
}

function updateMessage(change: (doc: Y.Doc) => void): Uint8Array {
	const doc = new Y.Doc();
	change(doc);
	return encodeUpdateMessage(Y.encodeStateAsUpdate(doc));
}

/** The value of one placeholder for a cell (fixtures such as runs or keys are made here, fresh where the call uses them up). */
async function valueOf(name: Placeholder, role: Role, scene: Scene): Promise<unknown> {
	const room = roomFor(role, scene);
	switch (name) {
		case 'roomId':
			return room.id;
		case 'publicRoomId':
			return scene.lounge.id;
		case 'unknownId':
			return 'nosuchidnosuchidnosuchid';
		case 'inviteToken':
			return room.inviteToken;
		case 'runId':
			return finishedRun(scene, room.id);
		case 'waitingRunId':
			return startAsOwner(room.id, 'Waiting for approval', true);
		case 'samId':
			return sam.id;
		case 'zedEmail':
			return 'zed@example.com';
		case 'keyId':
			return (await server.ctx.auth.createApiKey(mel.id, 'target')).id;
		case 'freshEmail':
			return `new-${++counter}@example.com`;
		case 'loadedModelId': {
			const loaded = await server.ctx.admin.preload('sy-chat-small');
			if (!loaded.ok) throw new Error(loaded.error.message);
			return 'sy-chat-small';
		}
		case 'quarantinedModelId': {
			// Nothing public quarantines a model (llama.cpp refusing its file or a crash while loading does): record one
			// through the service's store, as the load guard would after a failed load. The file itself is sound, so an
			// admin's clear succeeds (200), not 409.
			const models = server.ctx.models as unknown as { quarantine: QuarantineStore };
			if (!server.ctx.models.quarantined(QUARANTINED_MODEL)) {
				const file = server.ctx.models.spec(QUARANTINED_MODEL)?.path;
				if (!file) throw new Error(`${QUARANTINED_MODEL} is not present`);
				await models.quarantine.add(QUARANTINED_MODEL, file, 'load_failed', 'quarantined by the matrix');
			}
			if (!server.ctx.models.quarantined(QUARANTINED_MODEL)) throw new Error(`could not quarantine ${QUARANTINED_MODEL}`);
			return QUARANTINED_MODEL;
		}
		case 'ramBytes':
			return server.ctx.models.manager.getBudget().ramBytes;
		case 'vramBytes':
			return server.ctx.models.manager.getBudget().vramBytes;
		case 'yjsStep1':
			return syncMessage((encoder, doc) => syncProtocol.writeSyncStep1(encoder, doc));
		case 'yjsPromptUpdate':
			return updateMessage((doc) => doc.getText(PROMPT_TEXT).insert(0, 'Matrix prompt'));
		case 'yjsSettingsUpdate':
			return updateMessage((doc) => doc.getMap(SETTINGS_MAP).set('temperature', 0.5));
		case 'awarenessUpdate': {
			const doc = new Y.Doc();
			const awareness = new Awareness(doc);
			awareness.setLocalState({ user: { name: 'Matrix', color: '#0ea5e9', colorLight: '#0ea5e933' }, cursor: null });
			const message = encodeAwarenessUpdate(awareness, [doc.clientID]);
			awareness.destroy();
			return message;
		}
	}
}

/** Fills `{placeholder}`s: a string that is exactly one placeholder takes the value itself (numbers, bytes). */
async function fill<T>(template: T, row: Row, role: Role, scene: Scene): Promise<T> {
	const values = new Map<string, unknown>();
	for (const name of placeholdersOf(row)) values.set(name, await valueOf(name, role, scene));
	const walk = (value: unknown): unknown => {
		if (typeof value === 'string') {
			const whole = /^\{(\w+)\}$/.exec(value);
			if (whole && values.has(whole[1])) return values.get(whole[1]);
			return value.replace(/\{(\w+)\}/g, (m, name: string) => (values.has(name) ? String(values.get(name)) : m));
		}
		if (Array.isArray(value)) return value.map(walk);
		if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
		return value;
	};
	return walk(template) as T;
}

async function credentialsFor(role: Role): Promise<Credentials> {
	const session = async (person: Person) => `sy_session=${(await server.ctx.auth.createSession(person.id)).token}`;
	switch (role) {
		case 'anonymous':
			return {};
		case 'outsider':
			return { cookie: await session(otto) };
		case 'member':
			return { cookie: await session(mel) };
		case 'nondriver':
			return { cookie: await session(nico) };
		case 'owner':
			return { cookie: await session(olive) };
		case 'admin':
			return { cookie: await session(ada) };
		case 'apiKey':
			return { bearer: mel.apiKey };
		case 'revokedKey':
			return { bearer: olive.apiKey };
		case 'expiredSession': {
			const { token, session: created } = await server.ctx.auth.createSession(olive.id);
			await server.ctx.db
				.updateTable('sessions')
				.set({ expires_at: Date.now() - 60_000 })
				.where('id', '=', created.id)
				.execute();
			return { cookie: `sy_session=${token}` };
		}
	}
}

// ── Sockets ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** A connected socket for the role, or null when the handshake refuses it as unauthenticated. */
async function socketFor(role: Role): Promise<TestClient | null> {
	const { cookie, bearer } = await credentialsFor(role);
	const socket = server.client({ cookie, token: bearer });
	try {
		await connected(socket);
		return socket;
	} catch (err) {
		socket.disconnect();
		if (err instanceof Error && err.message === 'unauthenticated') return null;
		throw err;
	}
}

function emit(socket: TestClient, event: string, payload: unknown): Promise<Result<unknown>> {
	const untyped = socket.timeout(15_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Result<unknown>> };
	return untyped.emitWithAck(event, payload);
}

async function observeSocket(row: SocketRow, role: Role, scene: Scene): Promise<SocketOutcome | string> {
	const socket = await socketFor(role);
	if (!socket) return 'connect_refused';
	try {
		const ack = await emit(socket, row.event, await fill(row.payload, row, role, scene));
		return ack.ok ? 'allow' : ack.error.code;
	} finally {
		socket.disconnect();
	}
}

async function observeReceive(row: ReceiveRow, role: Role, scene: Scene): Promise<SocketOutcome> {
	const socket = await socketFor(role);
	if (!socket) return 'connect_refused';
	const canary = await socketFor(row.events[0] === 'run:event' ? 'owner' : 'admin');
	if (!canary) throw new Error('the canary could not connect');
	const seen: unknown[] = [];
	for (const event of row.events) socket.on(event, (payload: unknown) => seen.push(payload));
	try {
		if (row.events[0] === 'run:event') {
			const room = roomFor(role, scene);
			await emit(socket, 'room:join', { roomId: room.id }); // refused for outsiders: that is the point
			const joined = await emit(canary, 'room:join', { roomId: room.id });
			if (!joined.ok) throw new Error('the canary could not join');
			let runId = '';
			const ended = nextEvent(canary, 'run:event', (e) => e.runId === runId && e.type === 'run.finished', 15_000);
			runId = await startAsOwner(room.id, 'Who hears this?');
			await ended;
			await sleep(100); // the same broadcast reached the canary: give the caller's copy a moment more
			return seen.some((p) => (p as { runId?: string }).runId === runId) ? 'allow' : 'withheld';
		}
		// cache:*: an admin starts a pull that fails at once (MODEL_ENDPOINT is a closed port).
		while (server.ctx.admin.pulls().some((p) => p.status === 'running')) await sleep(10);
		const ended = nextEvent(canary, 'cache:pull', (s) => s.modelId === PULL_MODEL && s.status !== 'running', 15_000);
		const started = server.ctx.admin.startPull(PULL_MODEL);
		if (!started.ok) throw new Error(started.error.message);
		await ended;
		await sleep(100);
		return seen.length > 0 ? 'allow' : 'withheld';
	} finally {
		socket.disconnect();
		canary.disconnect();
	}
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────────────────

function moduleKey(row: HttpRow): string {
	const dir = row.route === '/' ? '' : row.route;
	const file = row.surface === 'rest' ? '+server.ts' : row.layout ? '+layout.server.ts' : '+page.server.ts';
	return `../../src/routes${dir}/${file}`;
}

type Handler = (event: RequestEvent) => unknown;

/** What SvelteKit's resolve would do with the route module: call it and turn its throws into responses. */
async function dispatch(row: HttpRow, event: RequestEvent): Promise<Response> {
	const key = moduleKey(row);
	const load = (row.surface === 'rest' ? serverModules : pageModules)[key];
	if (!load) throw new Error(`no route module ${key}`);
	const mod = (await load()) as Record<string, unknown>;
	try {
		if (row.surface === 'rest') {
			const fn = mod[row.method] as Handler | undefined;
			if (!fn) return new Response(null, { status: 405 });
			return (await fn(event)) as Response;
		}
		if (row.surface === 'form') {
			const action = (mod.actions as Record<string, Handler> | undefined)?.[row.action ?? 'default'];
			if (!action) return new Response(null, { status: 404 });
			const result = await action(event);
			return new Response(null, { status: isActionFailure(result) ? result.status : 200 });
		}
		const loadFn = mod.load as Handler;
		await loadFn({ ...event, parent: async () => ({}), depends: () => {}, untrack: <T>(fn: () => T) => fn() } as unknown as RequestEvent);
		return new Response(null, { status: 200 });
	} catch (err) {
		if (isRedirect(err)) return new Response(null, { status: err.status, headers: { location: err.location } });
		if (isHttpError(err)) return new Response(JSON.stringify(err.body), { status: err.status });
		throw err;
	}
}

function requestEvent(request: Request, row: HttpRow, params: Record<string, string>): RequestEvent {
	const jar: Record<string, string | undefined> = parseCookie(request.headers.get('cookie') ?? '');
	const cookies = {
		get: (name: string) => jar[name],
		getAll: () => Object.entries(jar).flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }])),
		set: (name: string, value: string) => void (jar[name] = value),
		delete: (name: string) => void delete jar[name],
		serialize: () => ''
	};
	return {
		request,
		url: new URL(request.url),
		params,
		route: { id: row.route },
		locals: {},
		cookies,
		getClientAddress: () => '127.0.0.1',
		platform: undefined,
		setHeaders: () => {},
		isDataRequest: false,
		isSubRequest: false,
		fetch
	} as unknown as RequestEvent;
}

async function observeHttp(row: HttpRow, role: Role, scene: Scene): Promise<HttpOutcome | number> {
	const { cookie, bearer } = await credentialsFor(role);
	const params = await fill(row.params ?? {}, row, role, scene);
	const query = row.query ? await fill(row.query, row, role, scene) : '';
	const body = row.body ? await fill(row.body, row, role, scene) : undefined;
	const path = row.route.replace(/\[(\w+)\]/g, (_, name: string) => encodeURIComponent(params[name]));
	const search = [row.surface === 'form' && row.action !== 'default' ? `/${row.action}` : '', query].filter(Boolean).join('&');
	const headers = new Headers({ origin: ORIGIN, ...(await fill(row.headers ?? {}, row, role, scene)) });
	if (cookie) headers.set('cookie', cookie);
	if (bearer) headers.set('authorization', `Bearer ${bearer}`);
	let payload: string | undefined;
	if (row.surface === 'form') {
		headers.set('content-type', 'application/x-www-form-urlencoded');
		payload = new URLSearchParams(Object.entries(body ?? {}).map(([k, v]) => [k, String(v)])).toString();
	} else if (row.method !== 'GET') {
		headers.set('content-type', 'application/json');
		payload = body === undefined ? undefined : JSON.stringify(body);
	}
	const request = new Request(`${ORIGIN}${path}${search ? `?${search}` : ''}`, { method: row.method, headers, body: payload });
	const response = await handle({ event: requestEvent(request, row, params), resolve: (event) => dispatch(row, event) });
	await response.body?.cancel();
	const location = response.headers.get('location') ?? '';
	if (response.status === 303 && location.startsWith('/login?next=')) return 'login';
	return response.status < 400 ? 'allow' : response.status;
}

function observe(row: Row, role: Role, scene: Scene): Promise<SocketOutcome | HttpOutcome | string | number> {
	if (row.surface === 'socket') return observeSocket(row, role, scene);
	if (row.surface === 'receive') return observeReceive(row, role, scene);
	return observeHttp(row, role, scene);
}

// ── The matrix ───────────────────────────────────────────────────────────────────────────────────────────────────

describe('the matrix covers every entrance', () => {
	it('names each row once and fills every placeholder it uses', () => {
		const names = MATRIX.map(entrance);
		expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
		for (const row of MATRIX) {
			expect(placeholdersOf(row)).toBeDefined(); // throws on an unknown placeholder
			expect(Object.keys(row.expect).sort()).toEqual([...ROLES].sort());
		}
	});

	it('has a row for every socket event the server handles, and handles every event it lists', async () => {
		const client = await socketFor('member');
		const socket = server.ctx.realtime!.io.sockets.sockets.get(client!.id!)!;
		const handled = socket
			.eventNames()
			.map(String)
			.filter((name) => name.includes(':'));
		client!.disconnect();
		const listed = MATRIX.flatMap((row) => (row.surface === 'socket' ? [row.event as string] : []));
		expect([...new Set(listed)].sort()).toEqual([...new Set(handled)].sort());
	});

	it('has a row for every handler of every +server.ts', async () => {
		const exported: string[] = [];
		for (const [file, load] of Object.entries(serverModules)) {
			const route = file.replace('../../src/routes', '').replace(/\/\+server\.ts$/, '') || '/';
			for (const name of Object.keys((await load()) as object)) if (METHODS.includes(name)) exported.push(`${name} ${route}`);
		}
		const listed = MATRIX.flatMap((row) => (row.surface === 'rest' ? [`${row.method} ${row.route}`] : []));
		expect([...new Set(listed)].sort()).toEqual(exported.sort());
	});

	it('has a row for every server load and every form action', async () => {
		const exported: string[] = [];
		for (const [file, load] of Object.entries(pageModules)) {
			const layout = file.endsWith('+layout.server.ts');
			const route = file.replace('../../src/routes', '').replace(/\/\+(page|layout)\.server\.ts$/, '') || '/';
			const mod = (await load()) as { load?: unknown; actions?: Record<string, unknown> };
			if (mod.load) exported.push(`${layout ? 'layout' : 'load'} ${route}`);
			for (const action of Object.keys(mod.actions ?? {})) exported.push(`action ${route} ${action}`);
		}
		const listed = MATRIX.flatMap((row) =>
			row.surface === 'page'
				? [`${row.layout ? 'layout' : 'load'} ${row.route}`]
				: row.surface === 'form'
					? [`action ${row.route} ${row.action}`]
					: []
		);
		expect([...new Set(listed)].sort()).toEqual(exported.sort());
	});
});

describe('authorization matrix', () => {
	for (const row of MATRIX) {
		describe(entrance(row), () => {
			for (const role of ROLES) {
				it(`${ROLE_INFO[role].column} → ${row.expect[role]}`, async () => {
					const scene = row.fresh || row.removedFirst ? await makeScene() : shared;
					if (row.removedFirst) await removeCaller(role, scene);
					expect(await observe(row, role, scene)).toBe(row.expect[role]);
				});
			}
		});
	}
});
