// Yjs convergence: 20 and 100 real editors (socket.io-client + the app's provider, each with its own Y.Doc, spread
// over child processes so the server's process holds only the server) type into one room at once, at random places,
// 0–9 ms apart. Per round: the time from the last edit anywhere until each editor holds all the text, on the clock
// the processes share. The same editor processes also type against a bare y-websocket-style relay (no checks, no
// coalescing, no storage) in the same run: the ratio says what the app's own path costs.
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PROMPT_TEXT } from '../src/lib/contract/yjs';
import { percentile } from '../tests/helpers/yjs-editors';
import { startTestServer } from '../tests/helpers/test-server';
import { startBareYjsRelay } from './yjs-baseline';
import type { CrowdCommand, CrowdReply } from './yjs-crowd-client';

const EDITOR_COUNTS = (process.env.BENCH_YJS_EDITORS ?? '20,100').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_YJS_ROUNDS ?? 10);
const EDITS_PER_ROUND = 5;
const PER_PROCESS = Number(process.env.BENCH_YJS_PER_PROCESS ?? 25);
const GOALS_P99_MS: Record<number, number> = { 20: 50, 100: 100 };
const round2 = (x: number) => Number(x.toFixed(2));

class CrowdProcess {
	private waiting?: { resolve: (r: CrowdReply) => void; reject: (e: Error) => void };
	private constructor(private readonly child: ChildProcess) {
		child.on('message', (reply: CrowdReply) => {
			const waiting = this.waiting;
			this.waiting = undefined;
			if (reply.type === 'error') waiting?.reject(new Error(reply.message));
			else waiting?.resolve(reply);
		});
		child.once('exit', (code) => this.waiting?.reject(new Error(`editor process exited with ${code}`)));
	}

	static spawn(): CrowdProcess {
		const child = fork(fileURLToPath(new URL('./yjs-crowd-client.ts', import.meta.url)), [], {
			execArgv: ['--import', 'tsx'],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc']
		});
		return new CrowdProcess(child);
	}

	ask(command: CrowdCommand): Promise<CrowdReply> {
		return new Promise((resolve, reject) => {
			this.waiting = { resolve, reject };
			this.child.send(command);
		});
	}

	close() {
		this.child.send({ type: 'close' } satisfies CrowdCommand);
	}
}

/** What a round's tokens add to the text: every editor types `<editor.round.k>` EDITS_PER_ROUND times. */
function roundLength(editors: number, round: number): number {
	let n = 0;
	for (let e = 0; e < editors; e++) for (let k = 0; k < EDITS_PER_ROUND; k++) n += `<${e}.${round}.${k}>`.length;
	return n;
}

interface Target {
	url: string;
	roomId: string;
	cookies: string[];
	/** The server's own copy of the text, where there is one to compare. */
	serverText?: () => string | undefined;
}

async function typeRounds(target: Target) {
	const groups: string[][] = [];
	for (let i = 0; i < target.cookies.length; i += PER_PROCESS) groups.push(target.cookies.slice(i, i + PER_PROCESS));
	const processes = groups.map(() => CrowdProcess.spawn());
	try {
		await Promise.all(
			processes.map((p, g) =>
				p.ask({ type: 'open', url: target.url, roomId: target.roomId, cookies: groups[g], firstIndex: g * PER_PROCESS })
			)
		);
		const latencies: number[] = [];
		let consistent = 0;
		let errors = 0;
		let clientCpuMs = 0;
		let received = 0;
		const clientLoopDelays: number[] = [];
		let length = 0;
		const loopDelay = monitorEventLoopDelay({ resolution: 1 });
		loopDelay.enable();
		const cpu0 = process.cpuUsage();
		const t0 = performance.now();
		for (let round = 0; round < ROUNDS; round++) {
			length += roundLength(target.cookies.length, round);
			const replies = (await Promise.all(
				processes.map((p, g) =>
					p.ask({ type: 'round', round, editsPerRound: EDITS_PER_ROUND, targetLength: length, seed: 42 + round * 31 + g })
				)
			)) as Extract<CrowdReply, { type: 'round' }>[];
			const lastEditAt = Math.max(...replies.map((r) => r.lastEditAt));
			for (const r of replies)
				for (const t of r.reachedAt) latencies.push(Number.isNaN(t) ? Number.POSITIVE_INFINITY : Math.max(0, t - lastEditAt));
			errors += replies.reduce((n, r) => n + r.errors, 0);
			clientCpuMs += replies.reduce((n, r) => n + r.cpuMs, 0);
			received += replies.reduce((n, r) => n + r.received, 0);
			clientLoopDelays.push(...replies.map((r) => r.loopDelayP99Ms));
			const texts = new Set(replies.flatMap((r) => r.distinctTexts));
			const serverText = target.serverText?.();
			if (texts.size === 1 && [...texts][0].length === length && (serverText === undefined || texts.has(serverText))) consistent++;
		}
		const seconds = (performance.now() - t0) / 1000;
		const cpu = process.cpuUsage(cpu0);
		loopDelay.disable();
		return {
			samples: latencies.length,
			converged_rounds: `${consistent}/${ROUNDS}`,
			editor_errors: errors,
			convergence_after_last_edit_ms: {
				p50: round2(percentile(latencies, 50)),
				p95: round2(percentile(latencies, 95)),
				p99: round2(percentile(latencies, 99))
			},
			server_cpu_percent_of_one_core: round2(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
			server_event_loop_delay_p99_ms: round2(loopDelay.percentile(99) / 1e6),
			editor_processes_cpu_ms_per_round: round2(clientCpuMs / ROUNDS),
			editor_process_event_loop_delay_p99_ms: round2(Math.max(...clientLoopDelays)),
			document_messages_received_per_editor_per_round: round2(received / ROUNDS / target.cookies.length)
		};
	} finally {
		for (const p of processes) p.close();
	}
}

async function measure(editors: number) {
	const server = await startTestServer({ LOG_LEVEL: 'silent' });
	let app;
	try {
		const owner = await server.user('Owner');
		const room = await server.ctx.rooms.create({ id: owner.id }, { name: 'Crowd', visibility: 'private' });
		const cookies = [owner.cookie];
		for (let i = 1; i < editors; i++) {
			const user = await server.user(`Editor${i}`);
			const joined = await server.ctx.rooms.joinByInvite({ id: user.id }, room.inviteToken!);
			if (!joined.ok) throw new Error(joined.error.message);
			cookies.push(user.cookie);
		}
		app = await typeRounds({
			url: server.url,
			roomId: room.id,
			cookies,
			serverText: () => server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).toString()
		});
	} finally {
		await server.close();
	}
	const relay = await startBareYjsRelay();
	let bare;
	try {
		bare = await typeRounds({ url: relay.url, roomId: 'bare', cookies: Array.from({ length: editors }, () => '') });
	} finally {
		await relay.close();
	}
	const goal = GOALS_P99_MS[editors];
	return {
		editors,
		editor_processes: Math.ceil(editors / PER_PROCESS),
		app,
		bare_relay: bare,
		p99_vs_bare_relay: round2(app.convergence_after_last_edit_ms.p99 / bare.convergence_after_last_edit_ms.p99),
		goal: goal ? `p99 ≤ ${goal} ms` : 'none',
		met: goal ? app.convergence_after_last_edit_ms.p99 <= goal : null
	};
}

export async function run() {
	const results = [];
	for (const n of EDITOR_COUNTS) results.push(await measure(n));
	return {
		rounds: ROUNDS,
		edits_per_editor_per_round: EDITS_PER_ROUND,
		note:
			'Each round every editor inserts 5 short tokens at random places, 0–9 ms apart, all editors at once; a sample is the time from the ' +
			'last edit of the round (any editor) until one editor holds the whole text. Editors are real socket.io-client connections with the ' +
			'app’s provider and their own Y.Doc, ' +
			PER_PROCESS +
			' to a child process; the server (in-memory SQLite, real handlers, limits, coalescing, storage) ' +
			'runs alone in the bench process. bare_relay: the same editor processes against a y-websocket-style Socket.IO relay with nothing else, ' +
			'in the same run. Everything shares this machine’s cores.',
		results
	};
}
