import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../helpers/models';
import { startTestServer, type TestServer } from '../helpers/test-server';
import { SOAK_NOTE, soak } from '../soak/soak';

// CI size by default (~15 s); `npm run soak` runs it for 10 minutes and writes bench/results/soak.json.
const DURATION_MS = Number(process.env.SOAK_MS ?? 15_000);
const REPORT = process.env.SOAK_REPORT;
const LONG = DURATION_MS > 60_000;

let server: TestServer | undefined;
afterAll(() => server?.close());

describe('soak', () => {
	it(
		'viewers, editors and a steady stream of runs: no errors, no lost or doubled events, bounded memory',
		async () => {
			server = await startTestServer({
				MODELS_DIR,
				MODEL_KEEP_ALIVE_S: '0',
				ROOM_JOIN_RATE_PER_MINUTE: '10000',
				SOCKET_MAX_CONNECTIONS_PER_USER: '100'
			});
			const report = await soak(server, {
				durationMs: DURATION_MS,
				// Socket.IO keeps every broadcast for connection-state recovery (maxDisconnectionDuration, 2 minutes, pruned
				// once a minute: up to 3 minutes of packets). A bounded buffer, but measuring from before it is full would
				// count its filling as growth.
				warmupMs: LONG ? Math.min(180_000, DURATION_MS / 2) : 5_000,
				rooms: LONG ? 4 : 2,
				viewersPerRoom: LONG ? 6 : 3,
				editorsPerRoom: Number(process.env.SOAK_EDITORS ?? 2),
				runEveryMs: LONG ? 1_500 : 1_000,
				windowMs: LONG ? 60_000 : 5_000
			});
			if (REPORT) {
				const goals = { memoryGrowthExcludingDocumentsPercent: 5, errors: 0, eventsLost: 0 };
				const met = {
					// The rooms' documents grow by design (Yjs keeps a tombstone per deleted item); the goal is for leaks,
					// so it judges the rest. The raw growth and the documents' growth stay in `memory`, beside it.
					memoryGrowth: report.memory.growthExcludingDocumentsPercent < goals.memoryGrowthExcludingDocumentsPercent,
					leakCheck:
						report.memory.leakCheck.documentsLoadedAtEnd === 0 &&
						report.memory.leakCheck.socketsLeftAtEnd === 0 &&
						report.memory.leakCheck.rateLimitBucketsLeftAtEnd === 0 &&
						report.memory.leakCheck.growthExcludingRecoveryBufferPercent < goals.memoryGrowthExcludingDocumentsPercent,
					// Socket.IO's recovery buffer is bounded in time (2-3 minutes of broadcasts), so its level at two moments
					// depends on when it was last pruned: judged apart too, both figures in `memory`.
					memoryGrowthExcludingRecoveryBuffer:
						report.memory.growthExcludingDocumentsAndRecoveryBufferPercent < goals.memoryGrowthExcludingDocumentsPercent,
					errors: report.errors.length === 0,
					eventsLost: report.events.lost === 0
				};
				await writeFile(REPORT, JSON.stringify({ goals, met, note: SOAK_NOTE, ...report }, null, 2) + '\n');
			}
			expect(report.errors).toEqual([]);
			expect(report.runs.started).toBeGreaterThan(0);
			expect(report.runs.finished).toBe(report.runs.started);
			expect(report.events.delivered).toBeGreaterThan(0);
			expect(report.events.lost).toBe(0);
			expect(report.events.duplicated).toBe(0);
			if (Number(process.env.SOAK_EDITORS ?? 2) > 0) expect(report.edits).toBeGreaterThan(0);
			// Every client gone: no socket is left and each room's document unloads after its grace period.
			expect(report.memory.leakCheck.socketsLeftAtEnd).toBe(0);
			expect(report.memory.leakCheck.rateLimitBucketsLeftAtEnd).toBe(0);
			expect(report.memory.leakCheck.documentsLoadedAtEnd).toBe(0);
			expect(report.memory.documentsHeapMbAtEnd).toBeGreaterThan(0); // the measure sees the documents
			// The growth without documents includes Socket.IO's recovery buffer (~1 KB per broadcast, measured apart):
			// still filling in short runs; in long ones holding 2 or 3 minutes of broadcasts depending on when it was
			// last pruned (~12 MB apart at the long run's rate). So it is bounded in short runs only, and in long ones
			// reported (met.memoryGrowth). What must hold in both is the growth without the documents and the buffer:
			// short runs measured 0-3% here, and 8% of the ~80 MB heap fails a leak of ~3 KB per delivered event or
			// ~150 KB per run.
			if (!LONG) expect(report.memory.growthExcludingDocumentsPercent).toBeLessThan(15);
			expect(report.memory.growthExcludingDocumentsAndRecoveryBufferPercent).toBeLessThan(8);
			expect(report.memory.leakCheck.growthExcludingRecoveryBufferPercent).toBeLessThan(8);
		},
		DURATION_MS + 120_000
	);
});
