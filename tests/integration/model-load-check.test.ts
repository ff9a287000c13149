// The supervised load check (MODEL_LOAD_CHECK=child) on a real server: a models folder holds a GGUF that passes
// inspection but aborts llama.cpp (SIGABRT from a GGML_ASSERT). The server — this very process, which llama.cpp
// would have killed — checks the folder's files in a child at start-up and quarantines that one: the admin API and
// the admin page's rune class list it with what happened, a run naming it is refused, and a run on a good model in
// another room streams. A changed file is checked again (and loads once it passes); a file changed into one that
// aborts, met by a run before any background check, fails that run with the quarantine reason.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminOverview } from '../../src/lib/contract/admin';
import type { RoomRunEvent } from '../../src/lib/contract/live';
import { AdminConsole } from '../../src/lib/client/admin-console.svelte';
import { GET as adminModels } from '../../src/routes/api/admin/models/+server';
import { checkGguf } from '../../server/models/gguf/inspect';
import { generatedModelPath } from '../../server/models/paths';
import { writeAbortingGguf, writeTestGguf } from '../helpers/gguf-files';
import { MODELS_DIR } from '../helpers/models';
import { connected, nextEvent, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';

const ABORT_REASON =
	/^llama\.cpp aborted while opening this file \(SIGABRT\) in a supervised check: llama-model\.cpp:\d+: GGML_ASSERT\(n_expert_used_max <= hparams\.n_expert\) failed$/;

let dir: string;
let server: TestServer;
let ann: Awaited<ReturnType<TestServer['user']>>;
let bob: Awaited<ReturnType<TestServer['user']>>;
let annRoom: string;
let bobRoom: string;

beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'sy-load-check-server-'));
	await copyFile(generatedModelPath(MODELS_DIR, 'sy-chat-small'), path.join(dir, 'chat.gguf'));
	await writeAbortingGguf(path.join(dir, 'crashy.gguf'), { name: 'Crashy' });
	server = await startTestServer({ MODELS_DIR: dir, GENERATE_MODELS: 'false', MODEL_LOAD_CHECK: 'child', MODEL_KEEP_ALIVE_S: '0' });
	ann = await server.user('Ann');
	bob = await server.user('Bob');
	annRoom = (await server.ctx.rooms.create({ id: ann.id }, { name: 'Ann', visibility: 'private' })).id;
	bobRoom = (await server.ctx.rooms.create({ id: bob.id }, { name: 'Bob', visibility: 'private' })).id;
}, 120_000);
afterAll(async () => {
	await server?.close();
	await rm(dir, { recursive: true, force: true });
});

async function member(cookie: string, roomId: string): Promise<TestClient> {
	const socket = server.client({ cookie });
	await connected(socket);
	const joined = await socket.emitWithAck('room:join', { roomId });
	if (!joined.ok) throw new Error(joined.error.message);
	return socket;
}

/** Starts a direct run and collects its live events until it ends. */
async function run(socket: TestClient, roomId: string, modelId: string) {
	const events: RoomRunEvent[] = [];
	socket.on('run:event', (e) => events.push(e));
	const started = await socket.emitWithAck('run:start', {
		roomId,
		prompt: 'How do rooms work?',
		mode: 'direct',
		modelId,
		sampling: { maxTokens: 24, seed: 1 }
	});
	if (!started.ok) throw new Error(started.error.message);
	const [end] = await nextEvent(
		socket,
		'run:event',
		(e) => e.runId === started.data.id && ['run.finished', 'run.failed', 'run.cancelled'].includes(e.type),
		120_000
	);
	return { end, events: events.filter((e) => e.runId === started.data.id) };
}

function adminEvent(url: string) {
	return {
		locals: { app: server.ctx, user: { id: ann.id, role: 'admin' }, session: null },
		request: new Request(url),
		url: new URL(url),
		params: {}
	} as never;
}

describe('a model file that aborts llama.cpp, with MODEL_LOAD_CHECK=child', () => {
	it('is quarantined by the check at start-up, before anyone asks for it, and the server serves on', async () => {
		expect((await checkGguf(path.join(dir, 'crashy.gguf'))).ok).toBe(true); // inspection lets it through to llama.cpp
		await server.ctx.models.vetting;
		expect(server.ctx.models.loadChecker!.children).toBeGreaterThanOrEqual(1);
		expect(server.ctx.models.manager.status()).toEqual([]); // nothing loaded in this process yet

		const overview = (await (await adminModels(adminEvent('http://localhost/api/admin/models'))).json()) as AdminOverview;
		const crashy = overview.models.find((m) => m.id === 'crashy')!;
		expect(crashy).toMatchObject({ present: false, quarantine: { cause: 'crashed' } });
		expect(crashy.quarantine!.reason).toMatch(ABORT_REASON);
		expect(overview.models.find((m) => m.id === 'chat')).toMatchObject({ present: true, quarantine: null });
		const admin = new AdminConsole({ overview, users: [], meId: ann.id }, fetch);
		expect(admin.quarantined.map((m) => [m.id, m.quarantine?.reason])).toEqual([['crashy', crashy.quarantine!.reason]]);

		// A run naming it is refused with the reason; another room's run on a good model streams.
		const annSocket = await member(ann.cookie, annRoom);
		const refused = await annSocket.emitWithAck('run:start', {
			roomId: annRoom,
			prompt: 'Hi',
			mode: 'direct',
			modelId: 'crashy',
			sampling: { maxTokens: 4, seed: 1 }
		});
		expect(refused).toMatchObject({
			ok: false,
			error: { message: expect.stringMatching(/^Model crashy is quarantined: llama\.cpp aborted while opening this file \(SIGABRT\)/) }
		});
		const bobSocket = await member(bob.cookie, bobRoom);
		const ok = await run(bobSocket, bobRoom, 'chat');
		expect(ok.end.type).toBe('run.finished');
		expect(ok.events.filter((e) => e.type === 'tokens').length).toBeGreaterThan(0);
	}, 180_000);

	it('checks a changed file again in a new child, and loads it once it passes', async () => {
		const children = server.ctx.models.loadChecker!.children;
		await writeTestGguf(path.join(dir, 'crashy.gguf'), { name: 'Crashy, fixed' }); // another size and mtime
		expect(server.ctx.models.quarantined('crashy')).toBeUndefined(); // the record was about the old file
		const annSocket = await member(ann.cookie, annRoom);
		const fixed = await run(annSocket, annRoom, 'crashy');
		expect(fixed.end.type).toBe('run.finished');
		expect(server.ctx.models.loadChecker!.children).toBe(children + 1);
		// Once passed, the file is not checked again.
		await run(annSocket, annRoom, 'crashy');
		expect(server.ctx.models.loadChecker!.children).toBe(children + 1);
	}, 180_000);

	it('fails a run that wants a file changed into one that aborts llama.cpp, with the quarantine reason, and serves on', async () => {
		await server.ctx.models.manager.unload('crashy'); // the next run opens the file again
		await writeAbortingGguf(path.join(dir, 'crashy.gguf'), { name: 'Crashy again' });
		const annSocket = await member(ann.cookie, annRoom);
		const failed = await run(annSocket, annRoom, 'crashy'); // accepted: this file has not been seen yet
		expect(failed.end.type).toBe('run.failed');
		expect((failed.end.data as { error: string }).error).toMatch(
			/^Model crashy is quarantined: llama\.cpp aborted while opening this file \(SIGABRT\) in a supervised check: llama-model\.cpp:\d+: GGML_ASSERT/
		);
		expect(server.ctx.models.quarantined('crashy')).toMatchObject({ cause: 'crashed', reason: expect.stringMatching(ABORT_REASON) });
		expect(server.ctx.models.manager.status().map((s) => s.id)).not.toContain('crashy');

		const bobSocket = await member(bob.cookie, bobRoom);
		expect((await run(bobSocket, bobRoom, 'chat')).end.type).toBe('run.finished');
	}, 180_000);
});
