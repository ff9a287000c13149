// The measuring side of bench/cluster.bench.ts: viewers in child processes (cluster-client.ts), the figures drawn
// from their receipts, and the raw Socket.IO baseline (a bare server broadcasting the same rate and size).
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';

export const now = () => performance.timeOrigin + performance.now();
const round = (x: number) => Number(x.toFixed(2));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
export const median = (xs: number[]) => {
	const sorted = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const mid = sorted.length >> 1;
	return round(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
};

/** Viewers per child process (as in fanout.bench.ts): four processes hold 1000. */
const PER_PROCESS = 250;

interface Report {
	receipts: [number, number, number][];
	bytesOfFirstViewer: number;
}

export interface Viewers {
	count: number;
	/** Everything received since the last report, from every process. */
	report(): Promise<Report[]>;
	close(): Promise<void>;
}

function spawnClient(url: string, token: string, roomId: string, count: number): Promise<ChildProcess> {
	const child = fork(fileURLToPath(new URL('./cluster-client.ts', import.meta.url)), [url, token, roomId, String(count)], {
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	return new Promise((resolve, reject) => {
		child.once('message', (m: { type: string; message?: string }) => (m.type === 'ready' ? resolve(child) : reject(new Error(m.message))));
		child.once('exit', (code) => code && reject(new Error(`viewer process exited with ${code}`)));
	});
}

/** `count` viewers spread over the given web nodes' URLs (an equal share each), PER_PROCESS per child process. */
export async function openViewers(urls: string[], token: string, roomId: string, count: number): Promise<Viewers> {
	const shares = urls.map((url, i) => ({ url, n: Math.floor(count / urls.length) + (i < count % urls.length ? 1 : 0) }));
	const children = await Promise.all(
		shares.flatMap(({ url, n }) => {
			const parts = [];
			for (let left = n; left > 0; left -= PER_PROCESS) parts.push(spawnClient(url, token, roomId, Math.min(PER_PROCESS, left)));
			return parts;
		})
	);
	return {
		count,
		report: () =>
			Promise.all(
				children.map(
					(child) =>
						new Promise<Report>((resolve) => {
							child.once('message', (m: Report) => resolve(m));
							child.send({ type: 'report' });
						})
				)
			),
		async close() {
			await Promise.all(
				children.map((child) => {
					const exited = new Promise((r) => child.once('exit', r));
					child.send({ type: 'close' });
					return exited;
				})
			);
		}
	};
}

export interface RunFigures {
	frames: number;
	received: number;
	expected: number;
	latency_ms: { p50: number; p95: number; p99: number };
	messages_per_second: number;
	/** Token frames per second and mean JSON size of one run:event, which the raw baseline reproduces. */
	frames_per_second: number;
	bytes_per_message: number;
}

/** Model (or baseline emit) → viewer receipt, over every viewer and token frame of one run. */
export function figures(reports: Report[], viewers: number): RunFigures {
	const latencies: number[] = [];
	const seqs = new Set<number>();
	let first = Infinity;
	let last = -Infinity;
	for (const { receipts } of reports)
		for (const [seq, producedAt, receivedAt] of receipts) {
			latencies.push(receivedAt - producedAt);
			seqs.add(seq);
			first = Math.min(first, producedAt);
			last = Math.max(last, receivedAt);
		}
	latencies.sort((a, b) => a - b);
	const seconds = Math.max(1e-3, (last - first) / 1000);
	return {
		frames: seqs.size,
		received: latencies.length,
		expected: seqs.size * viewers,
		latency_ms: { p50: round(pct(latencies, 0.5)), p95: round(pct(latencies, 0.95)), p99: round(pct(latencies, 0.99)) },
		messages_per_second: round(latencies.length / seconds),
		frames_per_second: round(seqs.size / seconds),
		bytes_per_message: round(reports[0] && seqs.size ? reports[0].bytesOfFirstViewer / seqs.size : 0)
	};
}

/** Median of each figure over the repeats, with every repeat's p50/p99 kept for the spread. */
export function medianOf(runs: RunFigures[]) {
	const m = (f: (r: RunFigures) => number) => median(runs.map(f));
	return {
		repeats: runs.length,
		frames: m((r) => r.frames),
		received_of_expected: `${runs.reduce((s, r) => s + r.received, 0)}/${runs.reduce((s, r) => s + r.expected, 0)}`,
		latency_ms: { p50: m((r) => r.latency_ms.p50), p95: m((r) => r.latency_ms.p95), p99: m((r) => r.latency_ms.p99) },
		messages_per_second: m((r) => r.messages_per_second),
		frames_per_second: m((r) => r.frames_per_second),
		bytes_per_message: m((r) => r.bytes_per_message),
		each_repeat_p50_p99: runs.map((r) => [r.latency_ms.p50, r.latency_ms.p99])
	};
}

/**
 * The raw baseline: a bare Socket.IO server (no auth, no app code) that answers `room:join` and broadcasts `run:event`
 * packets shaped and sized like the app's tokens events, at the given rate, stamped with `producedAt` just before
 * the emit. Same client program, same loopback, same machine.
 */
export async function startRawBaseline() {
	const server = http.createServer();
	const io = new Server(server, { transports: ['websocket'] });
	io.on('connection', (socket) => {
		socket.on('room:join', (payload: { roomId: string }, ack: (r: unknown) => void) => {
			void socket.join(payload.roomId);
			ack({ ok: true });
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		/** Broadcasts `frames` packets of about `bytes` JSON characters, `perSecond` a second, on a drift-free schedule. */
		async broadcast(roomId: string, frames: number, perSecond: number, bytes: number) {
			const envelope = {
				runId: 'raw-baseline-run',
				roomId,
				seq: 0,
				ts: 0,
				type: 'tokens',
				data: { modelId: 'sy-chat-small', text: '', count: 4 }
			};
			const text = 'x'.repeat(
				Math.max(1, Math.round(bytes - JSON.stringify({ ...envelope, data: { ...envelope.data, producedAt: now() } }).length))
			);
			const interval = 1000 / perSecond;
			const t0 = now();
			for (let seq = 1; seq <= frames; seq++) {
				const wait = t0 + seq * interval - now();
				if (wait > 0) await new Promise((r) => setTimeout(r, wait));
				const producedAt = now();
				io.to(roomId).emit('run:event', { ...envelope, seq, ts: Date.now(), data: { ...envelope.data, text, producedAt } });
			}
		},
		async close() {
			io.disconnectSockets(true);
			await new Promise((r) => io.close(r));
		}
	};
}
