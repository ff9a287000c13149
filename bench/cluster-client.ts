// A child process of bench/cluster.bench.ts: opens `count` real socket.io-client viewers on one web node, joins them
// to a room and records, for each traced `tokens` event, when the model produced it (`producedAt`, set by the server
// or by the raw baseline) and when this viewer received it, both as high-resolution epoch ms (one clock for every
// process on this machine). Stays connected across runs: `report` hands the receipts over and clears them, `close`
// disconnects and exits.
import { io, type Socket } from 'socket.io-client';

const [url, token, roomId, countArg] = process.argv.slice(2);
const count = Number(countArg);
const now = () => performance.timeOrigin + performance.now();
/** [seq, producedAt, receivedAt] per viewer and event. */
let receipts: [number, number, number][] = [];
let bytes = 0;
const sockets: Socket[] = [];
/** Viewers connect in small concurrent batches: one at a time would take minutes at 1000, all at once floods the node. */
const CONNECT_BATCH = 25;

async function connectViewer(i: number): Promise<void> {
	const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
	sockets.push(socket);
	socket.on('run:event', (e: { seq: number; type: string; data: { producedAt?: number } }) => {
		if (e.type !== 'tokens' || e.data.producedAt === undefined) return;
		receipts.push([e.seq, e.data.producedAt, now()]);
		if (i === 0) bytes += JSON.stringify(e).length;
	});
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
	process.send!({ type: 'ready' });
}

process.on('message', (msg: { type: string }) => {
	if (msg.type === 'report') {
		process.send!({ type: 'report', receipts, bytesOfFirstViewer: bytes });
		receipts = [];
		bytes = 0;
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
