import { expect, test, type APIRequestContext } from '@playwright/test';
import { E2E_ADMIN } from '../../playwright.config';
import { signup } from './helpers';

// The server is shared by every spec: these tests restore the budget and keep-alive they change, and unpin what
// they pin. The admin is the one the server seeds from ADMIN_EMAIL/ADMIN_PASSWORD (playwright.config.ts).

interface Row {
	id: string;
	state: string;
	ramBytes: number;
	vramBytes: number;
	leases: number;
	pinned: boolean;
	keepAliveMs: number | null;
	present: boolean;
	origin: string;
	quarantine: { cause: string; reason: string; since: number } | null;
}
interface Overview {
	models: Row[];
	budget: { ramBytes: number; vramBytes: number };
	used: { ramBytes: number; vramBytes: number };
	stats: { hits: number; misses: number; evictions: number; loads: number; failures: number; loadMsTotal: number };
	pulls: { modelId: string; status: string; error: string | null }[];
}

/** A fresh request context logged in as the seeded admin. */
async function loginAdmin(
	playwright: { request: { newContext(options: { baseURL?: string }): Promise<APIRequestContext> } },
	baseURL?: string
) {
	const admin = await playwright.request.newContext({ baseURL });
	const res = await admin.post('/api/auth/login', { data: E2E_ADMIN });
	expect(res.status(), await res.text()).toBe(200);
	expect((await res.json()).user.role).toBe('admin');
	return admin;
}

const overview = async (admin: APIRequestContext): Promise<Overview> => (await admin.get('/api/admin/models')).json();
const row = async (admin: APIRequestContext, id: string): Promise<Row> => (await overview(admin)).models.find((m) => m.id === id)!;
const GENERATED = ['sy-tiny', 'sy-chat-small', 'sy-code', 'sy-reason'];

const ROUTES: [method: string, path: string, body?: unknown][] = [
	['GET', '/api/admin/models'],
	['POST', '/api/admin/models/sy-tiny/preload'],
	['POST', '/api/admin/models/sy-tiny/unload'],
	['POST', '/api/admin/models/sy-tiny/pin'],
	['POST', '/api/admin/models/sy-tiny/unpin'],
	['PUT', '/api/admin/models/sy-tiny/keep-alive', { seconds: 5 }],
	['GET', '/api/admin/models/sy-tiny/preview'],
	['DELETE', '/api/admin/models/sy-tiny/quarantine'],
	['PUT', '/api/admin/budget', { ramBytes: 1, vramBytes: 0 }],
	['POST', '/api/admin/models/pull', { id: 'mistral-7b-instruct' }],
	['GET', '/api/admin/users'],
	['PUT', '/api/admin/users/someone/role', { role: 'admin' }]
];

test('admin routes: members get 403 forbidden and anonymous callers 401, on every route, and change nothing', async ({
	playwright,
	baseURL
}) => {
	const admin = await loginAdmin(playwright, baseURL);
	const before = await overview(admin);
	const member = await playwright.request.newContext({ baseURL });
	const { user } = await signup(member, 'Mallory');
	const anonymous = await playwright.request.newContext({ baseURL });

	for (const [method, path, data] of ROUTES) {
		const asMember = await member.fetch(path, { method, data });
		expect(asMember.status(), `${method} ${path} as a member`).toBe(403);
		expect(await asMember.json()).toEqual({ code: 'forbidden', message: 'Admins only' });
		const asAnonymous = await anonymous.fetch(path, { method, data });
		expect(asAnonymous.status(), `${method} ${path} anonymously`).toBe(401);
		expect((await asAnonymous.json()).code).toBe('unauthenticated');
	}
	// A member's role change of themselves is refused like everything else.
	expect((await member.put(`/api/admin/users/${user.id}/role`, { data: { role: 'admin' } })).status()).toBe(403);

	const after = await overview(admin);
	expect(after.budget).toEqual(before.budget);
	expect(after.pulls.filter((p) => p.modelId === 'mistral-7b-instruct')).toEqual(
		before.pulls.filter((p) => p.modelId === 'mistral-7b-instruct')
	);
	expect((await row(admin, 'sy-tiny')).pinned).toBe(false);
	await Promise.all([admin.dispose(), member.dispose(), anonymous.dispose()]);
});

test('model cache: preload, preview, budget, pin, keep-alive and unload', async ({ playwright, baseURL }) => {
	test.setTimeout(60_000);
	const admin = await loginAdmin(playwright, baseURL);
	const initial = await overview(admin);
	expect(initial.models.map((m) => m.id)).toEqual(expect.arrayContaining([...GENERATED, 'mistral-7b-instruct']));
	expect(initial.budget.ramBytes).toBeGreaterThan(0);
	expect(initial.stats).toMatchObject({
		hits: expect.any(Number),
		misses: expect.any(Number),
		evictions: expect.any(Number),
		loads: expect.any(Number),
		failures: expect.any(Number)
	});
	const budget = (ramBytes: number) => admin.put('/api/admin/budget', { data: { ramBytes, vramBytes: initial.budget.vramBytes } });

	try {
		// Start from an empty cache (earlier specs ran models).
		for (const m of initial.models.filter((m) => m.state !== 'unloaded')) await admin.post(`/api/admin/models/${m.id}/unload`);

		const preloaded = await admin.post('/api/admin/models/sy-tiny/preload');
		expect(preloaded.status()).toBe(200);
		const tiny = (await preloaded.json()) as Row;
		expect(tiny).toMatchObject({ id: 'sy-tiny', state: 'ready', leases: 0, pinned: false });
		expect(tiny.ramBytes).toBeGreaterThan(0);
		expect(await row(admin, 'sy-tiny')).toMatchObject({
			state: 'ready',
			ramBytes: tiny.ramBytes,
			lastUsedAt: expect.any(Number),
			loadMs: expect.any(Number),
			strategy: expect.any(String)
		});
		const chat = (await (await admin.post('/api/admin/models/sy-chat-small/preload')).json()) as Row;
		const [t, c] = [tiny.ramBytes, chat.ramBytes];

		// A budget that holds exactly these two.
		const fit = await budget(t + c);
		expect(fit.status()).toBe(200);
		expect(await fit.json()).toMatchObject({ budget: { ramBytes: t + c }, used: { ramBytes: t + c } });

		// sy-code is bigger than the whole budget: the preview says why it cannot load.
		const tooBig = await (await admin.get('/api/admin/models/sy-code/preview')).json();
		const k = tooBig.needs.ramBytes as number;
		expect(k).toBeGreaterThan(t + c);
		expect(tooBig).toMatchObject({ modelId: 'sy-code', loaded: false, fits: false, evicts: [] });
		expect(tooBig.text).toMatch(/^sy-code cannot be loaded now: needs .* but the budget is/);

		// With room for sy-code alone, loading it would evict both idle models, least recently used first.
		expect((await budget(t + k)).status()).toBe(200);
		const both = await (await admin.get('/api/admin/models/sy-code/preview')).json();
		expect(both).toMatchObject({ fits: true, evicts: ['sy-tiny', 'sy-chat-small'] });
		expect(both.text).toMatch(/^Loading sy-code \(.+ RAM\) would evict sy-tiny and sy-chat-small\.$/);

		// Pinned models are never evicted.
		const pinned = await admin.post('/api/admin/models/sy-tiny/pin');
		expect(pinned.status()).toBe(200);
		expect(await pinned.json()).toMatchObject({ id: 'sy-tiny', pinned: true });
		const one = await (await admin.get('/api/admin/models/sy-code/preview')).json();
		expect(one).toMatchObject({ fits: true, evicts: ['sy-chat-small'] });
		expect(one.text).toMatch(/would evict sy-chat-small\.$/);

		const evictionsBefore = (await overview(admin)).stats.evictions;
		expect((await budget(t)).status()).toBe(200);
		const shrunk = await overview(admin);
		expect(shrunk.models.find((m) => m.id === 'sy-tiny')).toMatchObject({ state: 'ready', pinned: true });
		expect(shrunk.models.find((m) => m.id === 'sy-chat-small')).toMatchObject({ state: 'unloaded', ramBytes: 0 });
		expect(shrunk.stats.evictions).toBe(evictionsBefore + 1);

		// Too small for the pinned model: 409 naming it; nothing changes.
		const refused = await budget(t - 1);
		expect(refused.status()).toBe(409);
		expect(await refused.json()).toEqual({
			code: 'conflict',
			message: expect.stringMatching(/^Cannot shrink the budget: .*sy-tiny \(pinned\)/)
		});
		expect((await overview(admin)).budget.ramBytes).toBe(t);
		const noRoom = await (await admin.get('/api/admin/models/sy-chat-small/preview')).json();
		expect(noRoom).toMatchObject({ fits: false });
		expect(noRoom.text).toMatch(/^sy-chat-small cannot be loaded now/);
		expect((await admin.post('/api/admin/models/sy-chat-small/preload')).status()).toBe(409);

		// Keep-alive: a pinned model stays; once unpinned, it unloads after one idle second.
		const ttl = await admin.put('/api/admin/models/sy-tiny/keep-alive', { data: { seconds: 1 } });
		expect(ttl.status()).toBe(200);
		expect(await ttl.json()).toMatchObject({ keepAliveMs: 1000, pinned: true });
		await new Promise((r) => setTimeout(r, 1300));
		expect((await row(admin, 'sy-tiny')).state).toBe('ready');
		expect(await (await admin.post('/api/admin/models/sy-tiny/unpin')).json()).toMatchObject({ pinned: false });
		await expect.poll(async () => (await row(admin, 'sy-tiny')).state, { timeout: 5000 }).toBe('unloaded');
		expect(await (await admin.put('/api/admin/models/sy-tiny/keep-alive', { data: { seconds: null } })).json()).toMatchObject({
			keepAliveMs: null
		});

		// Unload: gone from the cache; unloading again is 404.
		expect((await budget(initial.budget.ramBytes)).status()).toBe(200);
		expect((await admin.post('/api/admin/models/sy-tiny/preload')).status()).toBe(200);
		const unloaded = await admin.post('/api/admin/models/sy-tiny/unload');
		expect(unloaded.status()).toBe(200);
		expect(await unloaded.json()).toEqual({ modelId: 'sy-tiny', unloaded: true });
		expect(await row(admin, 'sy-tiny')).toMatchObject({ state: 'unloaded', ramBytes: 0, leases: 0 });
		expect((await admin.post('/api/admin/models/sy-tiny/unload')).status()).toBe(404);

		// Unknown models and bad bodies.
		for (const path of ['/api/admin/models/nope/preload', '/api/admin/models/nope/pin', '/api/admin/models/nope/unload']) {
			expect((await admin.post(path)).status(), path).toBe(404);
		}
		expect((await admin.get('/api/admin/models/nope/preview')).status()).toBe(404);
		expect((await admin.post('/api/admin/models/mistral-7b-instruct/preload')).status()).toBe(404); // not downloaded
		expect((await admin.put('/api/admin/budget', { data: { ramBytes: -1, vramBytes: 0 } })).status()).toBe(400);
		expect((await admin.put('/api/admin/budget', { data: { ramBytes: 'lots' } })).status()).toBe(400);
		expect((await admin.put('/api/admin/models/sy-tiny/keep-alive', { data: { seconds: 0 } })).status()).toBe(400);
		expect((await admin.put('/api/admin/models/sy-tiny/keep-alive', { data: {} })).status()).toBe(400);
	} finally {
		await admin.post('/api/admin/models/sy-tiny/unpin');
		await admin.put('/api/admin/models/sy-tiny/keep-alive', { data: { seconds: 600 } });
		await budget(initial.budget.ramBytes);
		await admin.dispose();
	}
});

test('quarantine: generated models are not quarantined, and clearing one that is not answers 404', async ({ playwright, baseURL }) => {
	const admin = await loginAdmin(playwright, baseURL);
	for (const id of GENERATED) expect(await row(admin, id)).toMatchObject({ present: true, quarantine: null });
	const res = await admin.delete('/api/admin/models/sy-tiny/quarantine');
	expect(res.status()).toBe(404);
	expect(await res.json()).toEqual({ code: 'not_found', message: 'sy-tiny is not quarantined' });
	const unknown = await admin.delete('/api/admin/models/no-such-model/quarantine');
	expect(unknown.status()).toBe(404);
	await admin.dispose();
});

test('pull: a catalogue model starts in the background and an unreachable server is reported quickly', async ({ playwright, baseURL }) => {
	const admin = await loginAdmin(playwright, baseURL);
	const started = Date.now();
	const res = await admin.post('/api/admin/models/pull', { data: { id: 'mistral-7b-instruct' } });
	expect(res.status()).toBe(202);
	expect(await res.json()).toMatchObject({ modelId: 'mistral-7b-instruct', status: 'running', error: null });
	// The playwright server resolves hf: sources to 127.0.0.1:9 (HF_ENDPOINT), where nothing listens.
	await expect
		.poll(async () => (await overview(admin)).pulls.find((p) => p.modelId === 'mistral-7b-instruct'), { timeout: 10_000 })
		.toMatchObject({ status: 'failed', error: expect.stringMatching(/^Cannot reach 127\.0\.0\.1:9/) });
	expect(Date.now() - started).toBeLessThan(10_000);
	expect(await row(admin, 'mistral-7b-instruct')).toMatchObject({ present: false, state: 'unloaded' });

	// Generated models are rebuilt locally, not downloaded: that pull succeeds.
	expect((await admin.post('/api/admin/models/pull', { data: { id: 'sy-tiny' } })).status()).toBe(202);
	await expect
		.poll(async () => (await overview(admin)).pulls.find((p) => p.modelId === 'sy-tiny')?.status, { timeout: 10_000 })
		.toBe('done');

	expect((await admin.post('/api/admin/models/pull', { data: { id: 'not-in-the-catalogue' } })).status()).toBe(404);
	expect((await admin.post('/api/admin/models/pull', { data: {} })).status()).toBe(400);
	await admin.dispose();
});

test('users: list, promote and demote; the last admin cannot demote themselves', async ({ playwright, baseURL }) => {
	const admin = await loginAdmin(playwright, baseURL);
	const member = await playwright.request.newContext({ baseURL });
	const { user, email } = await signup(member, 'Promoted');

	const list = await (await admin.get('/api/admin/users')).json();
	const me = list.users.find((u: { email: string }) => u.email === E2E_ADMIN.email);
	expect(me).toMatchObject({ role: 'admin', createdAt: expect.any(Number) });
	expect(list.users.find((u: { id: string }) => u.id === user.id)).toEqual({
		id: user.id,
		email,
		name: 'Promoted',
		role: 'member',
		createdAt: expect.any(Number)
	});

	const promoted = await admin.put(`/api/admin/users/${user.id}/role`, { data: { role: 'admin' } });
	expect(promoted.status()).toBe(200);
	expect(await promoted.json()).toMatchObject({ id: user.id, role: 'admin' });
	expect((await member.get('/api/admin/models')).status()).toBe(200); // takes effect at once
	expect((await admin.put(`/api/admin/users/${user.id}/role`, { data: { role: 'member' } })).status()).toBe(200);
	expect((await member.get('/api/admin/models')).status()).toBe(403);

	const admins = (await (await admin.get('/api/admin/users')).json()).users.filter((u: { role: string }) => u.role === 'admin');
	if (admins.length === 1) {
		const last = await admin.put(`/api/admin/users/${me.id}/role`, { data: { role: 'member' } });
		expect(last.status()).toBe(409);
		expect(await last.json()).toEqual({ code: 'conflict', message: expect.stringMatching(/last admin/) });
	}
	expect((await admin.get('/api/admin/users')).status()).toBe(200); // still an admin

	expect((await admin.put('/api/admin/users/nobody/role', { data: { role: 'admin' } })).status()).toBe(404);
	expect((await admin.put(`/api/admin/users/${user.id}/role`, { data: { role: 'owner' } })).status()).toBe(400);
	await Promise.all([admin.dispose(), member.dispose()]);
});
