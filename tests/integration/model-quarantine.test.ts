// The crash path end to end on a real app context: a process that died while llama.cpp loaded sy-code leaves its
// loading row behind (written here by hand, as the dying process would have). At the next start sy-code is
// quarantined: the router does not have it as a candidate, a run naming it fails with the reason, GET
// /api/admin/models shows it, and the admin page's "Clear quarantine" (the REST route) lets it load again.
import { spawnSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminModel, AdminOverview } from '../../src/lib/contract/admin';
import type { RunRequest } from '../../src/lib/contract/runs';
import { AdminConsole } from '../../src/lib/client/admin-console.svelte';
import { GET as adminModels } from '../../src/routes/api/admin/models/+server';
import { DELETE as deleteQuarantine } from '../../src/routes/api/admin/models/[id]/quarantine/+server';
import { createAppContext, type AppContext } from '../../server/app';
import type { PublicUser } from '../../server/auth/users.repository';
import { loadConfig } from '../../server/config';
import { silentLogger } from '../../server/logger';
import { generatedModelPath } from '../../server/models/paths';
import { CRASH_REASON } from '../../server/models/quarantine';
import { createQuarantineRepository } from '../../server/models/quarantine.repository';
import { migrateToLatest, openDatabase } from '../../server/storage/db';
import { MODELS_DIR } from '../helpers/models';

let dir: string;
let ctx: AppContext;
let ann: PublicUser;
let roomId: string;
const env = () => ({
	DATABASE_URL: `sqlite:${path.join(dir, 'switchyard.db')}`,
	MODELS_DIR,
	MODEL_RAM_BUDGET_MB: '512',
	MODEL_KEEP_ALIVE_S: '0',
	// The restart-time path: a load in this process, recorded (the supervised check is tested in model-load-check.test.ts).
	MODEL_LOAD_CHECK: 'off'
});
const start = () => createAppContext(loadConfig(env()), silentLogger());

beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'sy-model-quarantine-'));
	const first = await start();
	const signed = await first.auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
	if (!signed.ok) throw new Error(signed.error.message);
	ann = signed.data;
	roomId = (await first.rooms.create(ann, { name: 'Lab', visibility: 'private' })).id;
	await first.close();

	// What the dying process left: its loading row for sy-code, committed before llama.cpp ran.
	const db = openDatabase(loadConfig(env()).database);
	await migrateToLatest(db);
	const file = generatedModelPath(MODELS_DIR, 'sy-code');
	const { size, mtimeMs } = await stat(file);
	await createQuarantineRepository(db).putLoading({
		modelId: 'sy-code',
		file: { path: file, size, mtimeMs: Math.floor(mtimeMs) },
		bootId: 'the-process-that-died',
		host: os.hostname(),
		pid: spawnSync('true').pid, // a process that has exited
		startedAt: Date.now()
	});
	await db.destroy();

	ctx = await start();
}, 120_000);
afterAll(async () => {
	await ctx?.close();
	await rm(dir, { recursive: true, force: true });
});

const request = (r: Partial<RunRequest> & { prompt: string }): RunRequest => ({
	mode: 'orchestrated',
	sampling: { seed: 1, maxTokens: 24 },
	approvalGate: false,
	...r
});

async function runToEnd(r: RunRequest) {
	const run = await ctx.orchestrator.start({ roomId, authorId: ann.id, request: r });
	const done = (await ctx.orchestrator.waitForRun(run.id))!;
	return { run: done, events: await ctx.orchestrator.events.eventsAfter(run.id, 0) };
}

/** A request event as SvelteKit builds it, from the admin. */
function adminEvent(method: string, url: string, params: Record<string, string> = {}) {
	return {
		locals: { app: ctx, user: { ...ann, role: 'admin' }, session: null },
		request: new Request(url, { method }),
		url: new URL(url),
		params
	} as never;
}

/** fetch for the AdminConsole that reaches the real route handlers. */
const routes: typeof fetch = async (input, init) => {
	const url = new URL(String(input), 'http://localhost');
	const method = init?.method ?? 'GET';
	if (method === 'GET' && url.pathname === '/api/admin/models') return adminModels(adminEvent(method, url.href));
	const id = /^\/api\/admin\/models\/([^/]+)\/quarantine$/.exec(url.pathname)?.[1];
	if (method === 'DELETE' && id) return deleteQuarantine(adminEvent(method, url.href, { id: decodeURIComponent(id) }));
	return new Response('no such route in this test', { status: 404 });
};

describe('a model whose load crashed the previous process', () => {
	it('is quarantined at start-up with the reason, and not present for routing', () => {
		expect(ctx.models.list().find((m) => m.id === 'sy-code')).toMatchObject({
			present: false,
			quarantine: { cause: 'crashed', reason: CRASH_REASON }
		});
		expect(
			ctx.models
				.list()
				.filter((m) => m.present)
				.map((m) => m.id)
		).toEqual(expect.arrayContaining(['sy-tiny', 'sy-chat-small', 'sy-reason']));
	});

	it('is not routed to: a code prompt goes elsewhere, and sy-code is never loaded', async () => {
		const { run, events } = await runToEnd(
			request({ prompt: 'Write a TypeScript function that parses a config file and returns a typed object.' })
		);
		expect(run.task).toBe('code');
		const routed = events.find((e) => e.type === 'routing.decided')!.data as { modelId: string; fallbacks: { modelId: string }[] };
		expect(routed.modelId).not.toBe('sy-code');
		expect(routed.fallbacks.map((f) => f.modelId)).not.toContain('sy-code');
		expect(ctx.models.manager.status().map((s) => s.id)).not.toContain('sy-code');
	});

	it('refuses a run that names it, saying why', async () => {
		const started = await ctx.runsService.start(ann, {
			roomId,
			prompt: 'Say hello',
			mode: 'direct',
			modelId: 'sy-code',
			sampling: { maxTokens: 8, seed: 1 }
		});
		expect(started).toMatchObject({
			ok: false,
			error: { code: 'conflict', message: `Model sy-code is quarantined: ${CRASH_REASON}. An admin can clear it on the admin page` }
		});
		expect(ctx.models.manager.status().map((s) => s.id)).not.toContain('sy-code');
	});

	it('shows on GET /api/admin/models and is cleared through the route behind the admin page button', async () => {
		const overview = (await (await adminModels(adminEvent('GET', 'http://localhost/api/admin/models'))).json()) as AdminOverview;
		expect(overview.models.find((m) => m.id === 'sy-code')).toMatchObject({
			present: false,
			quarantine: { cause: 'crashed', reason: CRASH_REASON }
		});
		expect(overview.models.find((m) => m.id === 'sy-tiny')?.quarantine).toBeNull();

		const admin = new AdminConsole({ overview, users: [], meId: ann.id }, routes);
		expect(admin.quarantined.map((m) => m.id)).toEqual(['sy-code']);
		await admin.clearQuarantine('sy-code');
		expect(admin.error).toBeNull();
		expect(admin.notice).toMatch(/^sy-code is out of quarantine/);
		expect(admin.quarantined).toEqual([]); // refreshed from GET /api/admin/models
		expect(admin.overview.models.find((m) => m.id === 'sy-code')).toMatchObject({ present: true, quarantine: null });

		const again = await deleteQuarantine(adminEvent('DELETE', 'http://localhost/api/admin/models/sy-code/quarantine', { id: 'sy-code' }));
		expect(again.status).toBe(404);
		expect(await again.json()).toEqual({ code: 'not_found', message: 'sy-code is not quarantined' });
		await admin.clearQuarantine('sy-tiny');
		expect(admin.error).toBe('sy-tiny is not quarantined');
	});

	it('loads again once cleared, and the clearing survives a restart', async () => {
		const { run } = await runToEnd(request({ prompt: 'Say hello', mode: 'direct', modelId: 'sy-code' }));
		expect(run.status).not.toBe('failed');
		expect(run.modelId).toBe('sy-code');
		await ctx.close();
		ctx = await start();
		const model: AdminModel | undefined = (await ctx.admin.overview()).models.find((m) => m.id === 'sy-code');
		expect(model).toMatchObject({ present: true, quarantine: null });
	});
});
