// A child process of the soak (tests/soak/soak.ts): the soak's clients live here, so the soak process's heap is
// the server's alone. It opens the viewers and editors it is given (real socket.io-client sockets; editors with
// their own Y.Doc, Awareness and the app's SocketIoYjsProvider), and keeps the accounting the soak reports:
// per viewer and run the event seqs received (count and distinct), delivery latency per window as a histogram in
// whole milliseconds (Date.now() on one machine, against the server's `ts`), edits typed and every error.
import { io, type Socket } from 'socket.io-client';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { SocketIoYjsProvider } from '../../src/lib/client/yjs-provider';
import type { RoomRunEvent } from '../../src/lib/contract/live';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import type { SoakChildReport, SoakChildRequest, SoakClientSpec } from './soak-protocol';

let viewers: { socket: Socket; roomId: string; seen: Map<string, number[]> }[] = [];
const editors: { socket: Socket; doc: Y.Doc; awareness: Awareness; provider: SocketIoYjsProvider; synced: boolean }[] = [];
const errors: string[] = [];
/** window index → latency in ms → count: merging histograms keeps the percentiles exact at ms resolution. */
const latency = new Map<number, Map<number, number>>();
let measureFrom = Infinity;
let windowMs = 60_000;
let edits = 0;
let typing: ReturnType<typeof setInterval> | undefined;

function connect(url: string, cookie: string): Promise<Socket> {
	const socket = io(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
	socket.on('disconnect', (reason) => {
		if (reason !== 'io client disconnect') errors.push(`socket dropped: ${reason}`);
	});
	return new Promise((resolve, reject) => {
		socket.once('connect', () => resolve(socket));
		socket.once('connect_error', reject);
	});
}

async function openViewer(url: string, spec: SoakClientSpec) {
	const socket = await connect(url, spec.cookie);
	const viewer = { socket, roomId: spec.roomId, seen: new Map<string, number[]>() };
	socket.on('run:event', (e: RoomRunEvent) => {
		const now = Date.now();
		if (now >= measureFrom) {
			const window = Math.floor((now - measureFrom) / windowMs);
			const histogram = latency.get(window) ?? new Map<number, number>();
			histogram.set(now - e.ts, (histogram.get(now - e.ts) ?? 0) + 1);
			latency.set(window, histogram);
		}
		const list = viewer.seen.get(e.runId) ?? [];
		list.push(e.seq);
		viewer.seen.set(e.runId, list);
	});
	socket.on('run:resync', ({ runId }: { runId: string }) => errors.push(`viewer told to resync on ${runId}`));
	const joined = await socket.timeout(10_000).emitWithAck('room:join', { roomId: spec.roomId });
	if (!joined.ok) throw new Error(`room:join: ${joined.error.message}`);
	viewers.push(viewer);
}

async function openEditor(url: string, spec: SoakClientSpec) {
	const socket = await connect(url, spec.cookie);
	const doc = new Y.Doc();
	const awareness = new Awareness(doc);
	const provider = new SocketIoYjsProvider(socket as never, spec.roomId, doc, awareness, { retryDelayMs: 100 });
	provider.on('error', (error) => errors.push(`yjs: ${error.code} ${error.message}`));
	const deadline = Date.now() + 10_000;
	while (!provider.synced) {
		if (Date.now() > deadline) throw new Error(`editor of ${spec.roomId} did not sync in 10 s`);
		await new Promise((r) => setTimeout(r, 5));
	}
	editors.push({ socket, doc, awareness, provider, synced: true });
}

function startTyping(everyMs: number) {
	typing = setInterval(() => {
		for (const editor of editors) {
			const text = editor.doc.getText(PROMPT_TEXT);
			if (text.length > 2_000) text.delete(0, 500); // a prompt people edit, not one that grows forever
			text.insert(text.length, 'x');
			edits++;
		}
	}, everyMs);
}

function report(): SoakChildReport {
	return {
		type: 'report',
		viewers: viewers.map((v) => ({
			roomId: v.roomId,
			runs: Object.fromEntries([...v.seen].map(([runId, seqs]) => [runId, [seqs.length, new Set(seqs).size]]))
		})),
		latency: [...latency].map(([window, histogram]) => [window, [...histogram]]),
		edits,
		errors
	};
}

function leave() {
	clearInterval(typing);
	for (const e of editors) {
		e.provider.destroy();
		e.awareness.destroy();
		e.socket.disconnect();
	}
	for (const v of viewers) v.socket.disconnect();
	viewers = [];
}

process.on('message', (msg: SoakChildRequest) => {
	if (msg.type === 'open') {
		const open = msg.role === 'viewer' ? openViewer : openEditor;
		// One at a time: a burst of handshakes on a loaded 2-core machine is not what the soak measures.
		(async () => {
			for (const spec of msg.clients) await open(msg.url, spec);
		})().then(
			() => process.send!({ type: 'ready' }),
			(err) => process.send!({ type: 'error', message: String(err) })
		);
	} else if (msg.type === 'go') {
		startTyping(msg.typeEveryMs);
	} else if (msg.type === 'measure') {
		measureFrom = msg.measureFrom;
		windowMs = msg.windowMs;
	} else if (msg.type === 'stop-typing') {
		clearInterval(typing);
		process.send!({ type: 'stopped' });
	} else if (msg.type === 'report') {
		process.send!(report(), () => {
			leave();
			process.disconnect();
		});
	}
});
