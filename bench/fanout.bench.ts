// Fan-out: N real socket.io-client viewers (spread over child processes) in one room while a run streams. For each
// token event: publish on the server (after the ~16 ms frame coalescing) → receipt by each viewer, on a shared
// high-resolution clock. Also messages and bytes per second and server CPU during the run.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TOKEN_WINDOW_MS } from '../server/orchestrator/run-context';
import { attachRealtime } from '../server/hub/attach';
import { testApp } from '../tests/helpers/app';

const VIEWER_COUNTS = [1, 100, 1000];
const PER_PROCESS = 250;
const now = () => performance.timeOrigin + performance.now();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const round = (x: number) => Number(x.toFixed(2));

function spawnClient(url: string, token: string, roomId: string, count: number): Promise<ChildProcess> {
	const child = fork(fileURLToPath(new URL('./fanout-client.ts', import.meta.url)), [url, token, roomId, String(count)], {
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	return new Promise((resolve, reject) => {
		child.once('message', (m: { type: string; message?: string }) => (m.type === 'ready' ? resolve(child) : reject(new Error(m.message))));
		child.once('exit', (code) => code && reject(new Error(`client process exited with ${code}`)));
	});
}

async function measure(viewers: number) {
	// Every viewer is the same user: lift the per-user connection and join limits for the measurement.
	const { ctx, user, room } = await testApp({
		LOG_LEVEL: 'silent',
		SOCKET_MAX_CONNECTIONS_PER_USER: '100000',
		ROOM_JOIN_RATE_PER_MINUTE: '1000000'
	});
	// Registered before Socket.IO attaches, so this listener runs before the broadcast: the timestamp is taken
	// when the event is published, not after it has been written to every socket.
	const published = new Map<number, number>();
	let runId = '';
	const off = ctx.bus.subscribe((e) => {
		if (e.type === 'tokens' && e.runId === runId) published.set(e.seq, now());
	});
	const server = http.createServer();
	attachRealtime(server, ctx);
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const { key } = await ctx.auth.createApiKey(user.id, 'bench');
	await (await ctx.models.manager.acquire('sy-chat-small')).release();

	const children: ChildProcess[] = [];
	for (let left = viewers; left > 0; left -= PER_PROCESS) children.push(await spawnClient(url, key, room.id, Math.min(PER_PROCESS, left)));

	const cpu0 = process.cpuUsage();
	const t0 = now();
	const run = await ctx.orchestrator.start({
		roomId: room.id,
		authorId: user.id,
		request: {
			prompt: 'Tell me about rooms',
			mode: 'direct',
			modelId: 'sy-chat-small',
			sampling: { maxTokens: 512, seed: 1, ignoreEos: true } as never,
			approvalGate: false
		},
		conversation: []
	});
	runId = run.id;
	await ctx.orchestrator.waitForRun(run.id);
	await new Promise((r) => setTimeout(r, 300 + viewers)); // let the last packets land
	const seconds = (now() - t0) / 1000;
	const cpu = process.cpuUsage(cpu0);
	off();

	const reports = await Promise.all(
		children.map(
			(child) =>
				new Promise<{ receipts: [number, number, number][]; bytesPerClient: number }>((resolve) => {
					child.once('message', (m: { type: string; receipts: [number, number, number][]; bytesPerClient: number }) => resolve(m));
					child.send({ type: 'report' });
				})
		)
	);
	const latencies: number[] = [];
	let messages = 0;
	for (const report of reports) {
		for (const [, seq, t] of report.receipts) {
			const sent = published.get(seq);
			if (sent !== undefined) latencies.push(t - sent);
			messages++;
		}
	}
	latencies.sort((a, b) => a - b);
	const bytesPerClient = reports[0]?.bytesPerClient ?? 0;
	await ctx.close();
	return {
		viewers,
		client_processes: children.length,
		token_events: published.size,
		received: messages,
		expected: published.size * viewers,
		publish_to_receipt_ms: { p50: round(pct(latencies, 0.5)), p95: round(pct(latencies, 0.95)), p99: round(pct(latencies, 0.99)) },
		messages_per_second: round(messages / seconds),
		bytes_per_second: round((bytesPerClient * viewers) / seconds),
		server_cpu_percent_of_one_core: round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100)
	};
}

export async function run() {
	const results = [];
	for (const n of VIEWER_COUNTS) results.push(await measure(n));
	// Yjs convergence has its own suite (bench/yjs.bench.ts): editors in other processes, beside a bare relay.
	return {
		coalescing_window_ms: TOKEN_WINDOW_MS,
		note: 'latency is measured from the coalesced tokens event being published (≤ one window after the model produced the text) to each client receiving it; clients are real socket.io-client websockets in child processes on this machine (loopback)',
		goal: 'p99 ≤ 5 ms at 1 viewer, ≤ 10 ms at 100, ≤ window + 5 ms at 1000',
		results
	};
}
