// A child process of bench/yjs.bench.ts: opens one real editor (socket.io-client + the app's Yjs provider + its own
// Y.Doc) per cookie in one room, then types rounds on the parent's command and reports when each editor had all the
// text, on the clock every process on this machine shares (performance.timeOrigin + performance.now()).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { SocketIoYjsProvider } from '../src/lib/client/yjs-provider';
import { PROMPT_TEXT } from '../src/lib/contract/yjs';

interface Editor {
	socket: Socket;
	doc: Y.Doc;
	awareness: Awareness;
	provider: SocketIoYjsProvider;
	errors: number;
}

export type CrowdCommand =
	| { type: 'open'; url: string; roomId: string; cookies: string[]; firstIndex: number }
	| { type: 'round'; round: number; editsPerRound: number; targetLength: number; seed: number }
	| { type: 'close' };

export type CrowdReply =
	| { type: 'ready' }
	| {
			type: 'round';
			lastEditAt: number;
			reachedAt: number[];
			distinctTexts: string[];
			errors: number;
			/** This process's CPU time during the round (ms) and its event loop's p99 delay (ms). */
			cpuMs: number;
			loopDelayP99Ms: number;
			/** Document messages the process's editors received during the round. */
			received: number;
	  }
	| { type: 'error'; message: string };

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const editors: Editor[] = [];
let firstIndex = 0;
let received = 0;
const reply = (message: CrowdReply) => process.send!(message);

async function open(url: string, roomId: string, cookies: string[]) {
	for (const cookie of cookies) {
		const socket = io(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		const doc = new Y.Doc();
		const awareness = new Awareness(doc);
		const provider = new SocketIoYjsProvider(socket as never, roomId, doc, awareness, { retryDelayMs: 100 });
		const editor: Editor = { socket, doc, awareness, provider, errors: 0 };
		provider.on('error', () => editor.errors++);
		socket.on('yjs:sync', () => received++);
		editors.push(editor);
	}
	const deadline = Date.now() + 60_000;
	while (!editors.every((e) => e.provider.synced)) {
		if (Date.now() > deadline) throw new Error('editors did not sync within 60 s');
		await sleep(10);
	}
}

/** Every editor types its tokens at random places, 0–9 ms apart; resolves when all of them hold `targetLength`. */
async function round(command: Extract<CrowdCommand, { type: 'round' }>) {
	let seed = command.seed;
	const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
	const reachedAt = editors.map(() => Number.NaN);
	const cpu0 = process.cpuUsage();
	const loopDelay = monitorEventLoopDelay({ resolution: 1 });
	loopDelay.enable();
	received = 0;
	const stops = editors.map((editor, i) => {
		const check = () => {
			if (Number.isNaN(reachedAt[i]) && editor.doc.getText(PROMPT_TEXT).length === command.targetLength) reachedAt[i] = now();
		};
		editor.doc.on('update', check);
		return () => editor.doc.off('update', check);
	});
	let lastEditAt = 0;
	await Promise.all(
		editors.map(async (editor, e) => {
			for (let k = 0; k < command.editsPerRound; k++) {
				const text = editor.doc.getText(PROMPT_TEXT);
				text.insert(Math.floor(random() * (text.length + 1)), `<${firstIndex + e}.${command.round}.${k}>`);
				lastEditAt = Math.max(lastEditAt, now());
				await sleep(Math.floor(random() * 10));
			}
		})
	);
	const deadline = Date.now() + 30_000;
	while (reachedAt.some((t) => Number.isNaN(t)) && Date.now() < deadline) await sleep(5);
	for (const stop of stops) stop();
	const errors = editors.reduce((n, e) => n + e.errors, 0);
	const distinctTexts = [...new Set(editors.map((e) => e.doc.getText(PROMPT_TEXT).toString()))];
	loopDelay.disable();
	const cpu = process.cpuUsage(cpu0);
	const cpuMs = (cpu.user + cpu.system) / 1000;
	reply({ type: 'round', lastEditAt, reachedAt, distinctTexts, errors, cpuMs, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, received });
}

process.on('message', (command: CrowdCommand) => {
	const done = (work: Promise<unknown>) => work.catch((err) => reply({ type: 'error', message: String(err) }));
	if (command.type === 'open') {
		firstIndex = command.firstIndex;
		void done(open(command.url, command.roomId, command.cookies).then(() => reply({ type: 'ready' })));
	} else if (command.type === 'round') void done(round(command));
	else {
		for (const e of editors) {
			e.provider.destroy();
			e.awareness.destroy();
			e.socket.disconnect();
		}
		process.exit(0);
	}
});
