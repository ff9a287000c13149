// `cache:*` events over real Socket.IO: admins' sockets receive the model cache's activity and pull progress,
// members' sockets never do, and role changes move a user's open sockets in and out of the admins channel.
// Pulls download from a node:http server on 127.0.0.1: no external network.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PullState } from '../../src/lib/contract/admin';
import type { Result } from '../../src/lib/contract/result';
import { testGgufFile } from '../helpers/gguf-files';
import { encodeGguf } from '../../server/models/generator/writer';
import { MODELS_DIR } from '../helpers/models';
import { connected, nextEvent, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';

/** Every `cache:*` event a socket receives, in order. */
function recordCacheEvents(socket: TestClient) {
	const seen: { event: string; payload: { modelId: string } }[] = [];
	socket.onAny((event: string, payload: { modelId: string }) => {
		if (event.startsWith('cache:')) seen.push({ event, payload });
	});
	return seen;
}

/** One ack round trip: events the server emitted to this socket before it are delivered by the time it returns. */
async function roundTrip(socket: TestClient) {
	const emit = socket.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Result<unknown>> };
	await emit.emitWithAck('room:leave', { roomId: 'roundtrip' });
}

function unwrap<T>(result: Result<T>): T {
	if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
	return result.data;
}

let server: TestServer | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	await server?.close();
	server = undefined;
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function adminAndMember(env: Record<string, string>) {
	server = await startTestServer(env);
	const ann = await server.user('Ann'); // the first account: admin
	const bob = await server.user('Bob');
	const annSocket = server.client({ cookie: ann.cookie });
	const bobSocket = server.client({ token: bob.apiKey });
	await Promise.all([connected(annSocket), connected(bobSocket)]);
	return { server, ann, bob, annSocket, bobSocket, bobSaw: recordCacheEvents(bobSocket), annSaw: recordCacheEvents(annSocket) };
}

describe('cache events', () => {
	it('reach admins only: loading, loaded, evicted, unloaded and failed', async () => {
		const { server, annSocket, bobSocket, bobSaw, annSaw } = await adminAndMember({
			MODELS_DIR,
			MODEL_RAM_BUDGET_MB: '512',
			MODEL_KEEP_ALIVE_S: '0'
		});
		const admin = server.ctx.admin;

		const loading = nextEvent(annSocket, 'cache:loading', (e) => e.modelId === 'sy-tiny');
		const loaded = nextEvent(annSocket, 'cache:loaded', (e) => e.modelId === 'sy-tiny');
		const row = unwrap(await admin.preload('sy-tiny'));
		expect(row).toMatchObject({ id: 'sy-tiny', state: 'ready', leases: 0 });
		expect((await loading)[0]).toMatchObject({ modelId: 'sy-tiny', ramBytes: expect.any(Number), at: expect.any(Number) });
		expect((await loaded)[0]).toMatchObject({ modelId: 'sy-tiny', ramBytes: row.ramBytes, strategy: 'cpu', ms: expect.any(Number) });

		// Shrinking the budget to nothing evicts the idle model.
		const budget = server.ctx.models.manager.getBudget();
		const evicted = nextEvent(annSocket, 'cache:evicted', (e) => e.modelId === 'sy-tiny');
		unwrap(await admin.setBudget({ ramBytes: 0, vramBytes: 0 }));
		expect((await evicted)[0]).toMatchObject({ modelId: 'sy-tiny', reason: 'budget' });
		unwrap(await admin.setBudget(budget));

		unwrap(await admin.preload('sy-tiny'));
		const unloaded = nextEvent(annSocket, 'cache:unloaded', (e) => e.modelId === 'sy-tiny');
		unwrap(await admin.unload('sy-tiny'));
		expect((await unloaded)[0]).toMatchObject({ modelId: 'sy-tiny', reason: 'admin' });

		const failed = nextEvent(annSocket, 'cache:failed');
		server.ctx.models.manager.emit('failed', { modelId: 'sy-code', error: 'every load strategy failed', ms: 3 });
		expect((await failed)[0]).toMatchObject({ modelId: 'sy-code', error: 'every load strategy failed' });

		await Promise.all([roundTrip(annSocket), roundTrip(bobSocket)]);
		expect(annSaw.map((e) => e.event)).toEqual([
			'cache:loading',
			'cache:loaded',
			'cache:evicted',
			'cache:loading',
			'cache:loaded',
			'cache:unloaded',
			'cache:failed'
		]);
		expect(bobSaw).toEqual([]);
	});

	it('follow role changes: a promoted member starts receiving them, a demoted admin stops', async () => {
		const { server, ann, bob, annSocket, bobSocket, bobSaw } = await adminAndMember({ MODELS_DIR, MODEL_KEEP_ALIVE_S: '0' });
		const admin = server.ctx.admin;

		expect(await admin.setRole(ann.id, 'member')).toMatchObject({
			ok: false,
			error: { code: 'conflict', message: expect.stringMatching(/last admin/) }
		});
		unwrap(await admin.setRole(bob.id, 'admin'));
		const bobLoaded = nextEvent(bobSocket, 'cache:loaded', (e) => e.modelId === 'sy-tiny');
		unwrap(await admin.preload('sy-tiny'));
		await bobLoaded;

		unwrap(await admin.setRole(bob.id, 'member'));
		const annUnloaded = nextEvent(annSocket, 'cache:unloaded', (e) => e.modelId === 'sy-tiny');
		unwrap(await admin.unload('sy-tiny'));
		await annUnloaded;
		await roundTrip(bobSocket);
		expect(bobSaw.map((e) => e.event)).toEqual(['cache:loading', 'cache:loaded']);

		// A new socket of the demoted user does not join either.
		const again = server.client({ token: (await server.user('Cy')).apiKey });
		await connected(again);
		const cySaw = recordCacheEvents(again);
		unwrap(await admin.preload('sy-tiny'));
		await roundTrip(again);
		expect(cySaw).toEqual([]);
	});
});

/** A node:http server on 127.0.0.1 serving files by path (HEAD and GET, with Range support). */
async function fileServer(files: Map<string, Buffer>) {
	const server = http.createServer((req, res) => {
		const data = files.get(new URL(req.url ?? '/', 'http://localhost').pathname);
		if (!data) return void res.writeHead(404).end();
		const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
		const start = range ? Number(range[1]) : 0;
		const end = range?.[2] ? Number(range[2]) : data.length - 1;
		res.writeHead(range ? 206 : 200, {
			'Content-Length': end - start + 1,
			'Accept-Ranges': 'bytes',
			...(range ? { 'Content-Range': `bytes ${start}-${end}/${data.length}` } : {})
		});
		res.end(req.method === 'HEAD' ? undefined : data.subarray(start, end + 1));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () => {
			server.closeAllConnections();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
	const probe = http.createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port } = probe.address() as AddressInfo;
	await new Promise((resolve) => probe.close(resolve));
	return port;
}

const entry = (id: string, source: string) => ({
	id,
	displayName: id,
	source,
	family: 'acme',
	architecture: 'llama',
	parameters: { label: '1K', count: 1000 },
	quantization: 'F32',
	contextSize: 256,
	capabilities: ['chat'],
	quality: { chat: 0.2 },
	threads: 1,
	gpuLayers: 0
});

describe('cache:pull', () => {
	it('streams a pull to admins, refreshes the model list when done, and reports an unreachable server quickly', async () => {
		const files = await fileServer(new Map([['/files/acme-small.gguf', Buffer.from(encodeGguf(testGgufFile({ name: 'Acme Small' })))]]));
		cleanups.push(files.close);
		const modelsDir = await mkdtemp(path.join(os.tmpdir(), 'sy-admin-pull-'));
		cleanups.push(() => rm(modelsDir, { recursive: true, force: true }));
		const gone = await closedPort();
		await writeFile(
			path.join(modelsDir, 'catalog.json'),
			JSON.stringify({
				version: 1,
				models: [entry('acme-small', `${files.url}/files/acme-small.gguf`), entry('acme-gone', `http://127.0.0.1:${gone}/acme-gone.gguf`)]
			})
		);
		const { server, annSocket, bobSocket, bobSaw } = await adminAndMember({ MODELS_DIR: modelsDir, GENERATE_MODELS: 'false' });
		const admin = server.ctx.admin;
		expect((await admin.overview()).models.map((m) => [m.id, m.present])).toEqual([
			['acme-gone', false],
			['acme-small', false]
		]);

		const pulls: PullState[] = [];
		annSocket.on('cache:pull', (s) => pulls.push(s));
		const done = nextEvent(annSocket, 'cache:pull', (s) => s.modelId === 'acme-small' && s.status !== 'running', 15_000);
		expect(admin.startPull('acme-small')).toMatchObject({ ok: true, data: { modelId: 'acme-small', status: 'running' } });
		expect(admin.startPull('acme-small')).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect((await done)[0]).toMatchObject({ status: 'done', error: null, finishedAt: expect.any(Number) });
		expect(pulls[0]).toMatchObject({ modelId: 'acme-small', status: 'running', downloadedBytes: 0 });
		expect((await admin.overview()).models.find((m) => m.id === 'acme-small')).toMatchObject({
			present: true,
			sizeBytes: expect.any(Number)
		});

		const started = Date.now();
		const failed = nextEvent(annSocket, 'cache:pull', (s) => s.modelId === 'acme-gone' && s.status !== 'running', 10_000);
		expect(admin.startPull('acme-gone')).toMatchObject({ ok: true });
		expect((await failed)[0]).toMatchObject({ status: 'failed', error: `Cannot reach 127.0.0.1:${gone} (ECONNREFUSED)` });
		expect(Date.now() - started).toBeLessThan(5000);
		expect((await admin.overview()).pulls.map((p) => [p.modelId, p.status])).toEqual([
			['acme-small', 'done'],
			['acme-gone', 'failed']
		]);

		expect(admin.startPull('not-in-catalogue')).toMatchObject({ ok: false, error: { code: 'not_found' } });
		await roundTrip(bobSocket);
		expect(bobSaw).toEqual([]);
	});
});
