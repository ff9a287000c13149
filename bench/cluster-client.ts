// A child process of bench/cluster.bench.ts: opens `count` real socket.io-client viewers on one web node, joins them
// to a room and follows every run like the browser's RoomRuns does: events applied in seq order, a gap or a
// `run:resync` caught up with `run:replay`. For each traced `tokens` event it records when the model produced it
// (`producedAt`, set by the server or by the raw baseline) and when this viewer got it (live or replayed), both as
// high-resolution epoch ms (one clock for every process on this machine), and per viewer and run the last seq it
// holds without a gap, so the bench can count what never arrived. Stays connected across runs: `report` hands the
// receipts over and clears them, `close` disconnects and exits.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';

const [url, token, roomId, countArg] = process.argv.slice(2);
const count = Number(countArg);
const now = () => performance.timeOrigin + performance.now();

interface RunEventLike {
	runId: string;
	seq: number;
	type: string;
	data: { producedAt?: number };
}

/** [seq, producedAt, receivedAt] per viewer and token event, live or replayed. */
let receipts: [number, number, number][] = [];
let bytes = 0;
/** Events this process's viewers got by replay (after a gap or a resync), and the resyncs they were told. */
let replayed = 0;
let replayedTokens = 0;
let resyncs = 0;
let gaps = 0;
const sockets: Socket[] = [];
/** Per viewer, per run: the last seq applied with no gap before it. */
const applied: Map<string, number>[] = [];
/** This process's own event-loop delay: a saturated viewer process queues receipts the server already sent. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** Viewers connect in small concurrent batches: one at a time would take minutes at 1000, all at once floods the node. */
const CONNECT_BATCH = 25;

function follow(socket: Socket, i: number) {
	const last = new Map<string, number>();
	applied[i] = last;
	const replaying = new Set<string>();
	const again = new Set<string>();
	const apply = (e: RunEventLike, live: boolean) => {
		if (e.seq !== (last.get(e.runId) ?? 0) + 1) return false;
		last.set(e.runId, e.seq);
		if (e.type === 'tokens' && e.data.producedAt !== undefined) {
			receipts.push([e.seq, e.data.producedAt, now()]);
			if (i === 0) bytes += JSON.stringify(e).length;
			if (!live) replayedTokens++;
		}
		if (!live) replayed++;
		return true;
	};
	const replay = async (runId: string) => {
		if (replaying.has(runId)) return void again.add(runId);
		replaying.add(runId);
		do {
			again.delete(runId);
			const result = await socket.timeout(30_000).emitWithAck('run:replay', { runId, afterSeq: last.get(runId) ?? 0 });
			if (result.ok) for (const e of result.data.events as RunEventLike[]) apply(e, false);
		} while (again.has(runId));
		replaying.delete(runId);
	};
	socket.on('run:event', (e: RunEventLike) => {
		if (apply(e, true) || e.seq <= (last.get(e.runId) ?? 0)) return;
		gaps++;
		void replay(e.runId);
	});
	socket.on('run:resync', ({ runId }: { runId: string }) => {
		resyncs++;
		void replay(runId);
	});
}

async function connectViewer(i: number): Promise<void> {
	const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
	sockets.push(socket);
	follow(socket, i);
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', () => resolve());
		socket.once('connect_error', reject);
	});
	const joined = await socket.timeout(30_000).emitWithAck('room:join', { roomId });
	if (!joined.ok) throw new Error(joined.error.message);
}

async function main() {
	for (let first = 0; first < count; first += CONNECT_BATCH) {
		const batch = [];
		for (let i = first; i < Math.min(count, first + CONNECT_BATCH); i++) batch.push(connectViewer(i));
		await Promise.all(batch);
	}
	loopDelay.reset();
	process.send!({ type: 'ready' });
}

process.on('message', (msg: { type: string; runId?: string }) => {
	if (msg.type === 'progress') {
		// How far each viewer got in one run: the bench waits until all reach its last seq (or gives up and counts).
		process.send!({ type: 'progress', lastSeqs: applied.map((m) => m.get(msg.runId!) ?? 0) });
	} else if (msg.type === 'report') {
		process.send!({
			type: 'report',
			receipts,
			bytesOfFirstViewer: bytes,
			replayed,
			replayedTokens,
			resyncs,
			gaps,
			loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 }
		});
		receipts = [];
		bytes = replayed = replayedTokens = resyncs = gaps = 0;
		loopDelay.reset();
	} else if (msg.type === 'close') {
		for (const s of sockets) s.disconnect();
		process.disconnect();
		process.exit(0);
	}
});

main().catch((err) => {
	process.send!({ type: 'error', message: String(err) });
	process.exit(1);
});
