// Fuzzing the socket boundary: every client event gets malformed, oversized, wrongly typed and random payloads
// (fast-check arbitraries, plus raw random bytes for the Yjs channel). Each must answer a clear Result (never
// `internal`, never silence), the server must stay up with bounded memory, and another member's run must keep
// streaming meanwhile. Used by tests/integration/fuzz.test.ts (CI size) and `npm run fuzz` (long run).
import fc from 'fast-check';
import type { ClientToServerEvents } from '../../src/lib/contract/events';
import type { ErrorCode, Result } from '../../src/lib/contract/result';
import type { TestClient, TestServer } from '../helpers/test-server';
import { mb, memoryFigures, retainedMemory, type MemoryFigures } from './memory';

export const SOCKET_EVENTS: (keyof ClientToServerEvents)[] = [
	'room:join',
	'room:leave',
	'yjs:sync',
	'yjs:awareness',
	'yjs:leave',
	'run:start',
	'run:cancel',
	'run:resume',
	'run:fork',
	'run:replay'
];

const CLEAR_CODES: ErrorCode[] = ['bad_request', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'rate_limited', 'too_large'];

/** Payloads that look almost right: the fields the contract knows, filled with anything. */
function plausible(roomId: string, runId: string): fc.Arbitrary<unknown> {
	const anything = fc.oneof(fc.anything(), fc.string({ maxLength: 50 }), fc.integer(), fc.constant(null), fc.constant(undefined));
	return fc.record(
		{
			roomId: fc.oneof(fc.constant(roomId), fc.string({ maxLength: 70 }), anything),
			runId: fc.oneof(fc.constant(runId), fc.stringMatching(/^[a-z2-7]{8,64}$/), anything),
			prompt: fc.oneof(fc.string({ maxLength: 200 }), anything),
			mode: fc.oneof(fc.constantFrom('orchestrated', 'direct', 'compare'), anything),
			modelId: fc.oneof(fc.constantFrom('sy-tiny', 'nope', '../etc/passwd'), anything),
			compareModelIds: fc.oneof(fc.array(fc.constantFrom('sy-tiny', 'sy-code', 'x'), { maxLength: 6 }), anything),
			sampling: fc.oneof(
				fc.record({ maxTokens: fc.integer({ min: -5, max: 9000 }), temperature: fc.double(), seed: fc.integer() }, { requiredKeys: [] }),
				anything
			),
			approvalGate: fc.oneof(fc.boolean(), anything),
			decision: fc.oneof(
				fc.record({ action: fc.constantFrom('approve', 'reject', 'override', 'explode'), modelId: anything }, { requiredKeys: ['action'] }),
				anything
			),
			node: fc.oneof(fc.constantFrom('executor', 'taskAnalyzer', 'nope'), anything),
			afterSeq: fc.oneof(fc.integer({ min: -10, max: 10_000 }), anything),
			message: fc.oneof(fc.uint8Array({ maxLength: 300 }), anything)
		},
		{ requiredKeys: [] }
	);
}

/** One fuzz case: an event and what is sent with it. */
export function fuzzCase(roomId: string, runId: string): fc.Arbitrary<{ event: keyof ClientToServerEvents; payload: unknown }> {
	const payload = fc.oneof(
		{ weight: 4, arbitrary: plausible(roomId, runId) },
		{ weight: 2, arbitrary: fc.anything({ maxDepth: 3, withTypedArray: true, withNullPrototype: true, withObjectString: true }) },
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }) },
		{ weight: 1, arbitrary: fc.string({ minLength: 70_000, maxLength: 70_100 }).map((big) => ({ roomId, prompt: big, message: big })) },
		{ weight: 1, arbitrary: fc.uint8Array({ minLength: 70_000, maxLength: 70_000 }).map((message) => ({ roomId, message })) }
	);
	return fc.record({ event: fc.constantFrom(...SOCKET_EVENTS), payload });
}

/** The memory figures (memory.ts) come with the cases' outcomes. */
export interface FuzzReport extends MemoryFigures {
	cases: number;
	byEvent: Record<string, number>;
	codes: Record<string, number>;
	/** Answers that were not a clear Result (internal errors, malformed acks) or never came. */
	/** With a preview of the payload, to reproduce (the run's seed regenerates every case). */
	unclear: { event: string; answer: unknown; payload: string }[];
	ackTimeouts: number;
	/**
	 * What loaded models hold (ModelManager's accounting of llama.cpp's buffers): native memory, part of
	 * rssGrowthMb.rest when the fuzz (or the watched run) loads a model, and kept while the model stays loaded.
	 */
	modelRamMb: { before: number; after: number };
	/** Token frames the watching member received from the run that streamed during the fuzz. */
	watcherTokenFrames: number;
	durationMs: number;
}

const ACK_TIMEOUT_MS = 5_000;

async function send(socket: TestClient, event: string, payload: unknown): Promise<unknown> {
	try {
		return await (socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(
			event,
			payload
		);
	} catch {
		return 'timeout';
	}
}

const isClear = (answer: unknown): answer is Result<unknown> =>
	typeof answer === 'object' &&
	answer !== null &&
	((answer as { ok: unknown }).ok === true ||
		((answer as { ok: unknown }).ok === false && CLEAR_CODES.includes((answer as { error: { code: ErrorCode } }).error?.code)));

/**
 * Sends `count` fuzz cases from `fuzzer` (a member of `roomId`) while `watcher` follows `watchedRunId`; returns the
 * report. Cases go out in small concurrent batches, like a misbehaving client would send them.
 */
export async function fuzzSockets(opts: {
	server: TestServer;
	fuzzer: () => TestClient;
	roomId: string;
	watchedRunId: string;
	watcher: TestClient;
	count: number;
	seed: number;
	/** Idle time before a last memory reading (0: none); the long run waits to see what V8 gives back. */
	settleMs?: number;
}): Promise<FuzzReport> {
	const started = performance.now();
	const before = retainedMemory();
	const modelRam = () => mb(opts.server.ctx.models.manager.used().ramBytes);
	const report: Omit<FuzzReport, keyof MemoryFigures> = {
		cases: 0,
		byEvent: {},
		codes: {},
		unclear: [],
		ackTimeouts: 0,
		modelRamMb: { before: modelRam(), after: 0 },
		watcherTokenFrames: 0,
		durationMs: 0
	};
	opts.watcher.on('run:event', (e) => {
		if (e.runId === opts.watchedRunId && e.type === 'tokens') report.watcherTokenFrames++;
	});
	const arbitrary = fuzzCase(opts.roomId, opts.watchedRunId);
	let socket = opts.fuzzer();
	const BATCH = 8;
	for (let i = 0; i < opts.count; i += BATCH) {
		if (!socket.connected) socket = opts.fuzzer(); // a payload over the buffer limit closes the connection, by design
		// Generated batch by batch (seeded per batch): a long run never holds all its payloads at once.
		const cases = fc.sample(arbitrary, { numRuns: Math.min(BATCH, opts.count - i), seed: opts.seed + i });
		await Promise.all(
			cases.map(async ({ event, payload }) => {
				const answer = await send(socket, event, payload);
				report.cases++;
				report.byEvent[event] = (report.byEvent[event] ?? 0) + 1;
				if (answer === 'timeout') {
					// A connection closed under the payload (too large for the socket buffer) never acks: that is the limit working.
					if (socket.connected) report.unclear.push({ event, answer: 'no answer', payload: preview(payload) });
					else report.ackTimeouts++;
					return;
				}
				if (!isClear(answer)) {
					report.unclear.push({ event, answer, payload: preview(payload) });
					return;
				}
				const code = answer.ok ? 'ok' : answer.error.code;
				report.codes[code] = (report.codes[code] ?? 0) + 1;
			})
		);
		// Events sent without an ack must be ignored, not crash anything.
		if (i % (BATCH * 10) === 0) (socket as unknown as { emit(e: string, p: unknown): void }).emit(cases[0].event, cases[0].payload);
	}
	report.durationMs = Math.round(performance.now() - started);
	report.modelRamMb.after = modelRam();
	return { ...report, ...(await memoryFigures(before, retainedMemory(), opts.settleMs)) };
}

/** The first 300 characters of a payload as JSON (bytes as a length), for the report. */
function preview(payload: unknown): string {
	try {
		const text = JSON.stringify(payload, (_k, v) =>
			v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v
		);
		return (text ?? String(payload)).slice(0, 300);
	} catch {
		return String(payload).slice(0, 300);
	}
}
