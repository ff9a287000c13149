// A child process of bench/fanout.bench.ts: opens `count` real socket.io-client viewers in one room and records
// when each run event arrives (high-resolution epoch ms, comparable across processes on one machine).
import { io, type Socket } from 'socket.io-client';

const [url, token, roomId, countArg] = process.argv.slice(2);
const count = Number(countArg);
const now = () => performance.timeOrigin + performance.now();
const receipts: [number, number, number][] = []; // [client, seq, time]
let bytes = 0;
const sockets: Socket[] = [];

async function main() {
	for (let i = 0; i < count; i++) {
		const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
		sockets.push(socket);
		socket.on('run:event', (e: { seq: number; type: string; data: unknown }) => {
			if (e.type !== 'tokens') return;
			receipts.push([i, e.seq, now()]);
			if (i === 0) bytes += JSON.stringify(e).length;
		});
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		const joined = await socket.timeout(10_000).emitWithAck('room:join', { roomId });
		if (!joined.ok) throw new Error(joined.error.message);
	}
	process.send!({ type: 'ready' });
}

process.on('message', (msg: { type: string }) => {
	if (msg.type !== 'report') return;
	process.send!({ type: 'report', receipts, bytesPerClient: bytes }, () => {
		for (const s of sockets) s.disconnect();
		process.exit(0);
	});
});

main().catch((err) => {
	process.send!({ type: 'error', message: String(err) });
	process.exit(1);
});
