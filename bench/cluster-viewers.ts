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
	/** Events viewers got by run:replay (after a gap or a run:resync), tokens among them, resyncs told, gaps seen. */
	replayed: number;
	replayedTokens: number;
	resyncs: number;
	gaps: number;
	/** The viewer process's own event-loop delay over the run (its receive queue, not the server's). */
	loopDelayMs: { p99: number; max: number };
}

/** What the server says a run was: the truth each viewer is held to. */
export interface RunTruth {
	runId: string;
	/** Seq of the run's last event. */
	lastSeq: number;
	/** Traced `tokens` events in the run's log. */
	tokenFrames: number;
}

export interface Viewers {
	count: number;
	/** Waits (at most `timeoutMs`) until every viewer holds the run up to its last seq; returns how many do not. */
	caughtUp(run: RunTruth, timeoutMs: number): Promise<number>;
	/** Everything received since the last report, from every process. */
	report(): Promise<Report[]>;
	close(): Promise<void>;
}

/** Sends one request to a viewer process and resolves with its answer of the same type. */
function ask<T>(child: ChildProcess, message: { type: string; runId?: string }): Promise<T> {
	return new Promise((resolve) => {
		const onMessage = (m: { type: string }) => {
			if (m.type !== message.type) return;
			child.off('message', onMessage);
			resolve(m as T);
		};
		child.on('message', onMessage);
		child.send(message);
	});
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
		async caughtUp(run, timeoutMs) {
			const until = Date.now() + timeoutMs;
			for (;;) {
				const answers = await Promise.all(children.map((c) => ask<{ lastSeqs: number[] }>(c, { type: 'progress', runId: run.runId })));
				const behind = answers.flatMap((a) => a.lastSeqs).filter((seq) => seq < run.lastSeq).length;
				if (behind === 0 || Date.now() > until) return behind;
				await new Promise((r) => setTimeout(r, 100));
			}
		},
		report: () => Promise.all(children.map((child) => ask<Report>(child, { type: 'report' }))),
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
	/** Token events some viewer never got, live or by replay (0 expected); viewers short of the run's last seq. */
	lost: number;
	viewers_incomplete: number;
	/** From the run's end (as the bench saw it) to the last viewer's last token: how long delivery trailed the model. */
	catch_up_ms: number;
	/** run:resync told to viewers; events and token events they caught up by run:replay; gaps in seq seen live. */
	resyncs: number;
	replayed_events: number;
	replayed_tokens: number;
	gaps: number;
	latency_ms: { p50: number; p95: number; p99: number };
	messages_per_second: number;
	/** Token frames per second and mean JSON size of one run:event, which the raw baseline reproduces. */
	frames_per_second: number;
	bytes_per_message: number;
	/** The worst viewer process's event-loop delay (p99, max): time receipts waited in the viewers, not the server. */
	viewer_loop_delay_ms: { p99: number; max: number };
}

/** Model (or baseline emit) → viewer receipt, over every viewer and token frame of one run, held to the run's log. */
export function figures(reports: Report[], viewers: number, run: RunTruth, incomplete: number, endedAt: number): RunFigures {
	const latencies: number[] = [];
	let first = Infinity;
	let last = -Infinity;
	for (const { receipts } of reports)
		for (const [, producedAt, receivedAt] of receipts) {
			latencies.push(receivedAt - producedAt);
			first = Math.min(first, producedAt);
			last = Math.max(last, receivedAt);
		}
	latencies.sort((a, b) => a - b);
	const seconds = Math.max(1e-3, (last - first) / 1000);
	const sum = (f: (r: Report) => number) => reports.reduce((s, r) => s + f(r), 0);
	const expected = run.tokenFrames * viewers;
	return {
		frames: run.tokenFrames,
		received: latencies.length,
		expected,
		lost: Math.max(0, expected - latencies.length),
		viewers_incomplete: incomplete,
		catch_up_ms: round(Math.max(0, last - endedAt)),
		resyncs: sum((r) => r.resyncs),
		replayed_events: sum((r) => r.replayed),
		replayed_tokens: sum((r) => r.replayedTokens),
		gaps: sum((r) => r.gaps),
		latency_ms: { p50: round(pct(latencies, 0.5)), p95: round(pct(latencies, 0.95)), p99: round(pct(latencies, 0.99)) },
		messages_per_second: round(latencies.length / seconds),
		frames_per_second: round(run.tokenFrames / seconds),
		bytes_per_message: round(reports[0] && run.tokenFrames ? reports[0].bytesOfFirstViewer / run.tokenFrames : 0),
		viewer_loop_delay_ms: {
			p99: round(Math.max(...reports.map((r) => r.loopDelayMs.p99))),
			max: round(Math.max(...reports.map((r) => r.loopDelayMs.max)))
		}
	};
}

/** Median of each figure over the repeats (losses and resyncs summed), with every repeat's p50/p99 kept for the spread. */
export function medianOf(runs: RunFigures[]) {
	const m = (f: (r: RunFigures) => number) => median(runs.map(f));
	const total = (f: (r: RunFigures) => number) => runs.reduce((s, r) => s + f(r), 0);
	return {
		repeats: runs.length,
		frames: m((r) => r.frames),
		received_of_expected: `${total((r) => r.received)}/${total((r) => r.expected)}`,
		lost: total((r) => r.lost),
		viewers_incomplete: total((r) => r.viewers_incomplete),
		catch_up_ms: m((r) => r.catch_up_ms),
		resyncs: total((r) => r.resyncs),
		replayed_events: total((r) => r.replayed_events),
		replayed_tokens: total((r) => r.replayed_tokens),
		gaps: total((r) => r.gaps),
		latency_ms: { p50: m((r) => r.latency_ms.p50), p95: m((r) => r.latency_ms.p95), p99: m((r) => r.latency_ms.p99) },
		messages_per_second: m((r) => r.messages_per_second),
		frames_per_second: m((r) => r.frames_per_second),
		bytes_per_message: m((r) => r.bytes_per_message),
		viewer_loop_delay_ms: { p99: m((r) => r.viewer_loop_delay_ms.p99), max: m((r) => r.viewer_loop_delay_ms.max) },
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
	let broadcasts = 0;
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		/** Broadcasts `frames` packets of about `bytes` JSON characters, `perSecond` a second, on a drift-free schedule. */
		async broadcast(roomId: string, frames: number, perSecond: number, bytes: number): Promise<RunTruth> {
			const envelope = {
				runId: `raw-baseline-${++broadcasts}`,
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
			return { runId: envelope.runId, lastSeq: frames, tokenFrames: frames };
		},
		async close() {
			io.disconnectSockets(true);
			await new Promise((r) => io.close(r));
		}
	};
}
