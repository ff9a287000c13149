// One web node of a test cluster, in its own process: the real app context, Socket.IO and the cluster seams (no
// SvelteKit pages, which the cluster tests do not need). Prints `listening <port>` when ready. For the test's setup it
// also answers /__test/user, /__test/room, /__test/start, /__test/run/<id>, /__test/workers, /__test/loop and /__test/command —
// test-only helpers, never in
// the product's server. Environment as for `npm start` (REDIS_URL, DATABASE_URL, SWITCHYARD_ROLE=web, …).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAppContext } from '../../server/app';
import { loadConfig } from '../../server/config';
import { attachRealtime } from '../../server/hub/attach';
import { createLogger } from '../../server/logger';

const config = loadConfig(process.env);
const ctx = await createAppContext(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: false }));

/** This node's event-loop delay since the last /__test/loop (benchmarks: is the fan-out queueing here?). */
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

async function body(req: http.IncomingMessage): Promise<Record<string, unknown>> {
	let text = '';
	for await (const chunk of req) text += chunk;
	return JSON.parse(text || '{}') as Record<string, unknown>;
}

const server = http.createServer((req, res) => {
	const reply = (status: number, value: unknown) =>
		res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
	void (async () => {
		if (req.method === 'POST' && req.url === '/__test/user') {
			const { name } = (await body(req)) as { name: string };
			const created = await ctx.auth.signup({ email: `${name.toLowerCase()}@example.com`, password: 'password1', name });
			if (!created.ok) return reply(400, created.error);
			const { token } = await ctx.auth.createSession(created.data.id);
			const { key } = await ctx.auth.createApiKey(created.data.id, 'test');
			return reply(200, { id: created.data.id, cookie: `sy_session=${token}`, apiKey: key });
		}
		if (req.method === 'POST' && req.url === '/__test/room') {
			const { ownerId, memberIds } = (await body(req)) as { ownerId: string; memberIds: string[] };
			const room = await ctx.rooms.create({ id: ownerId }, { name: 'Cluster', visibility: 'private' });
			for (const id of memberIds) await ctx.rooms.joinByInvite({ id }, room.inviteToken!);
			return reply(200, { id: room.id });
		}
		// Starts a run as the orchestrator takes it, sampling included (benchmarks pass ignoreEos for a fixed length).
		if (req.method === 'POST' && req.url === '/__test/start') {
			const { roomId, authorId, request } = (await body(req)) as { roomId: string; authorId: string; request: never };
			const run = await ctx.orchestrator.start({ roomId, authorId, request, conversation: [] });
			return reply(200, { id: run.id });
		}
		if (req.method === 'GET' && req.url?.startsWith('/__test/run/')) {
			const runId = req.url.slice('/__test/run/'.length);
			return reply(200, { run: (await ctx.runs.get(runId)) ?? null, events: await ctx.runs.eventsAfter(runId, 0) });
		}
		if (req.method === 'GET' && req.url === '/__test/loop') {
			const figures = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
			loop.reset();
			return reply(200, figures);
		}
		if (req.method === 'GET' && req.url === '/__test/workers') return reply(200, (await ctx.adminWorkers.list()).workers);
		if (req.method === 'POST' && req.url === '/__test/command') {
			const { target, action, modelId } = (await body(req)) as { target: string; action: 'preload'; modelId: string };
			return reply(200, await ctx.adminWorkers.command(target, action, modelId));
		}
		reply(404, {});
	})().catch((err) => reply(500, { message: String(err) }));
});
attachRealtime(server, ctx);
// Tells the test which node drives which run (the node whose own event log numbers the run's start).
ctx.bus.subscribe((event, origin) => {
	if (origin === 'local' && event.type === 'run.started') console.log(`driving ${event.runId}`);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));

const shutdown = async () => {
	await ctx.close();
	process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
