// A soak: rooms with viewers, editors typing into the shared prompt and a steady stream of runs, for a while, on
// loopback. It reports what drifts: retained memory after warm-up, errors, events lost (every viewer's run events
// against the stored log) and the p99 of event delivery per window. Used by tests/integration/soak.test.ts (short)
// and `npm run soak` (10 minutes by default, figures in bench/results/soak.json).
import v8 from 'node:v8';
import * as Y from 'yjs';
import vm from 'node:vm';
import type { RoomRunEvent } from '../../src/lib/contract/live';
import { addMembers, openSyncedEditor, percentile, sleep, type Editor } from '../helpers/yjs-editors';
import { connected, type TestClient, type TestServer } from '../helpers/test-server';

export interface SoakOptions {
	durationMs: number;
	/** Memory is measured from the end of the warm-up, so loading models and JIT do not count as growth. */
	warmupMs: number;
	rooms: number;
	viewersPerRoom: number;
	editorsPerRoom: number;
	/** A new run starts in every room at this interval. */
	runEveryMs: number;
	/** Delivery latency is summarised per window of this length. */
	windowMs: number;
}

export interface SoakReport {
	durationMs: number;
	runs: { started: number; finished: number; refused: number };
	events: { delivered: number; lost: number; duplicated: number };
	errors: string[];
	edits: number;
	memory: {
		retainedHeapMbAfterWarmup: number;
		retainedHeapMbAtEnd: number;
		growthPercent: number;
		rssMbAtEnd: number;
		/**
		 * The server's prompt documents, encoded: a CRDT keeps what was deleted as small tombstones, so this grows with
		 * the number of edits whatever the text's length. The editors' own copies (Y.Docs in this same process) grow the
		 * same way, and count in the heap figures above.
		 */
		yjsStateKbAfterWarmup: number;
		yjsStateKbAtEnd: number;
		editorDocsInThisProcess: number;
	};
	latency: { windowMs: number; p99ByWindowMs: number[]; firstWindowP99Ms: number; lastWindowP99Ms: number; driftRatio: number };
}

function retainedHeapMb(): number {
	v8.setFlagsFromString('--expose-gc');
	(vm.runInNewContext('gc') as () => void)();
	return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
}

interface Viewer {
	socket: TestClient;
	/** Per run, the seqs received live. */
	seen: Map<string, number[]>;
}

export async function soak(server: TestServer, o: SoakOptions): Promise<SoakReport> {
	const errors: string[] = [];
	// Delivery latencies grouped by the window they arrived in: plain number arrays, so the soak's own bookkeeping
	// stays small next to what it measures (this process also holds the clients).
	const latencyWindows = new Map<number, number[]>();
	let started = Date.now();
	const runIds: string[] = [];
	let refused = 0;
	let edits = 0;
	const viewers: Viewer[] = [];
	const editors: Editor[] = [];
	const starters: { socket: TestClient; roomId: string }[] = [];

	for (let r = 0; r < o.rooms; r++) {
		const owner = await server.user(`Owner${r}`);
		const room = await server.ctx.rooms.create({ id: owner.id }, { name: `Soak ${r}`, visibility: 'private' });
		const people = await addMembers(
			server,
			room.inviteToken!,
			Array.from({ length: o.viewersPerRoom + o.editorsPerRoom }, (_, i) => `R${r}P${i}`)
		);
		for (const person of people.slice(0, o.viewersPerRoom)) {
			const socket = server.client({ cookie: person.cookie });
			await connected(socket);
			const joined = await socket.emitWithAck('room:join', { roomId: room.id });
			if (!joined.ok) throw new Error(joined.error.message);
			const viewer: Viewer = { socket, seen: new Map() };
			socket.on('run:event', (e: RoomRunEvent) => {
				const now = Date.now();
				const window = Math.floor((now - started - o.warmupMs) / o.windowMs);
				if (window >= 0) {
					const list = latencyWindows.get(window) ?? [];
					list.push(now - e.ts);
					latencyWindows.set(window, list);
				}
				const list = viewer.seen.get(e.runId) ?? [];
				list.push(e.seq);
				viewer.seen.set(e.runId, list);
			});
			socket.on('run:resync', ({ runId }) => errors.push(`viewer told to resync on ${runId}`));
			viewers.push(viewer);
		}
		for (const person of people.slice(o.viewersPerRoom)) editors.push(await openSyncedEditor(server, person, room.id));
		const starter = server.client({ cookie: owner.cookie });
		await connected(starter);
		starters.push({ socket: starter, roomId: room.id });
	}

	started = Date.now();
	const deadline = started + o.durationMs;
	let heapAfterWarmup: number | undefined;
	let yjsAfterWarmup = 0;
	const yjsStateKb = () => {
		let bytes = 0;
		for (const { roomId } of starters) {
			const doc = server.ctx.yjs.loaded(roomId)?.doc;
			if (doc) bytes += Y.encodeStateAsUpdate(doc).byteLength;
		}
		return Math.round(bytes / 102.4) / 10;
	};
	const typing = setInterval(() => {
		for (const editor of editors) {
			const text = editor.doc.getText('prompt');
			if (text.length > 2_000) text.delete(0, 500); // a prompt people edit, not one that grows forever
			text.insert(text.length, 'x');
			edits++;
		}
	}, 50);

	let runCounter = 0;
	while (Date.now() < deadline) {
		if (heapAfterWarmup === undefined && Date.now() - started >= o.warmupMs) {
			heapAfterWarmup = retainedHeapMb();
			yjsAfterWarmup = yjsStateKb();
		}
		await Promise.all(
			starters.map(async ({ socket, roomId }) => {
				// Bounded: an answer lost with a dropped connection must end as an error, not hang the soak.
				const ack = await socket
					.timeout(30_000)
					.emitWithAck('run:start', {
						roomId,
						prompt: `Soak question ${runCounter++}: how do rooms work?`,
						mode: 'direct',
						modelId: 'sy-tiny',
						sampling: { maxTokens: 48, seed: runCounter }
					})
					.catch(() => undefined);
				if (!ack) errors.push('run:start: no answer within 30 s');
				else if (ack.ok) runIds.push(ack.data.id);
				else if (ack.error.code === 'rate_limited') refused++;
				else errors.push(`run:start: ${ack.error.code} ${ack.error.message}`);
			})
		);
		await sleep(o.runEveryMs);
	}
	clearInterval(typing);
	for (const id of runIds) await server.ctx.orchestrator.waitForRun(id);
	await sleep(200); // the last live events are on their way to the viewers

	let lost = 0;
	let duplicated = 0;
	let delivered = 0;
	let finished = 0;
	for (const id of runIds) {
		const run = await server.ctx.orchestrator.get(id);
		if (run && ['succeeded', 'failed_validation'].includes(run.status)) finished++;
		else errors.push(`run ${id} ended ${run?.status}`);
		const stored = await server.ctx.runs.eventsAfter(id, 0);
		for (const viewer of viewers) {
			const seen = viewer.seen.get(id);
			if (!seen) continue; // a viewer of another room
			delivered += seen.length;
			lost += stored.length - new Set(seen).size;
			duplicated += seen.length - new Set(seen).size;
		}
	}
	for (const editor of editors) for (const e of editor.errors) errors.push(`yjs: ${e.ok ? 'ok' : e.error.code}`);

	const heapAtEnd = retainedHeapMb();
	const yjsAtEnd = yjsStateKb();
	const windows: number[] = [];
	for (const [, list] of [...latencyWindows].sort(([a], [b]) => a - b)) windows.push(percentile(list, 99));
	for (const e of editors) e.close();
	for (const v of viewers) v.socket.disconnect();
	for (const s of starters) s.socket.disconnect();
	const first = windows[0] ?? 0;
	const last = windows.at(-1) ?? 0;
	const base = heapAfterWarmup ?? heapAtEnd;
	return {
		durationMs: Date.now() - started,
		runs: { started: runIds.length, finished, refused },
		events: { delivered, lost, duplicated },
		errors,
		edits,
		memory: {
			retainedHeapMbAfterWarmup: base,
			retainedHeapMbAtEnd: heapAtEnd,
			growthPercent: Math.round(((heapAtEnd - base) / base) * 1000) / 10,
			rssMbAtEnd: Math.round(process.memoryUsage().rss / 2 ** 20),
			yjsStateKbAfterWarmup: yjsAfterWarmup,
			yjsStateKbAtEnd: yjsAtEnd,
			editorDocsInThisProcess: editors.length
		},
		latency: {
			windowMs: o.windowMs,
			p99ByWindowMs: windows,
			firstWindowP99Ms: first,
			lastWindowP99Ms: last,
			driftRatio: first > 0 ? Math.round((last / first) * 100) / 100 : 0
		}
	};
}
