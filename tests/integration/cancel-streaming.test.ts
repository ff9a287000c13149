import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunRequest } from '../../src/lib/contract/runs';
import { testApp } from '../helpers/app';
import { captureUncaught } from '../helpers/uncaught';

// Regression: cancelling streaming runs used to crash the process with "event tokens for run …, which is not open":
// LangGraph gives up on an aborted stream at once, the runner closed the run's log, and the executor's token batcher
// (still decoding, or its timer) emitted one more frame into the closed log from a timer callback.
let app: Awaited<ReturnType<typeof testApp>>;
let uncaught: ReturnType<typeof captureUncaught>;

beforeAll(async () => {
	// A file database (not :memory:): its slower writes widen the window in which the crash happened.
	const dir = await mkdtemp(path.join(os.tmpdir(), 'sy-cancel-'));
	app = await testApp({ MODEL_RAM_BUDGET_MB: '1024', DATABASE_URL: `sqlite:${path.join(dir, 'switchyard.db')}` });
	uncaught = captureUncaught();
}, 120_000);
afterAll(async () => {
	uncaught.stop();
	await app.ctx.close();
});

const compare = (seed: number): RunRequest => ({
	prompt: 'Explain everything about rooms, runs and models in great detail',
	mode: 'compare',
	compareModelIds: ['sy-tiny', 'sy-chat-small'],
	sampling: { seed, maxTokens: 4000 },
	approvalGate: false
});

function firstTokens(runId: string): Promise<void> {
	return new Promise((resolve) => {
		const off = app.ctx.bus.subscribe((e) => {
			if (e.runId === runId && e.type === 'tokens') {
				off();
				resolve();
			}
		});
	});
}

describe('cancelling streaming runs', () => {
	it('keeps the process up and each run log whole, closed by its cancel event', async () => {
		const rooms = await Promise.all(
			[1, 2, 3, 4, 5, 6].map((i) => app.ctx.rooms.create(app.user, { name: `Room ${i}`, visibility: 'private' }))
		);
		for (let round = 0; round < 8; round++) {
			const runs = await Promise.all(
				rooms.map((room, i) =>
					app.ctx.orchestrator.start({ roomId: room.id, authorId: app.user.id, request: compare(round * 10 + i), policy: 'parallel' })
				)
			);
			await Promise.all(runs.map((r) => firstTokens(r.id)));
			const results = await Promise.all(runs.map((r) => app.ctx.orchestrator.cancel(r.id, app.user.id)));
			// A run that reached its end before the cancel answers "already finished"; the others were cancelled mid-stream.
			for (const r of results) if (!r.ok) expect(r.error.code).toBe('conflict');
			expect(results.filter((r) => r.ok && r.data.status === 'cancelled').length).toBeGreaterThan(0);
			// Give late frames (the batcher's ~16 ms timer, llama.cpp noticing the abort) time to fire.
			await new Promise((r) => setTimeout(r, 100));
			for (const run of runs) {
				const events: RunEvent[] = await app.ctx.runs.eventsAfter(run.id, 0);
				expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
				expect(['run.cancelled', 'run.finished']).toContain(events.at(-1)!.type);
				expect(events.filter((e) => e.type === 'run.cancelled' || e.type === 'run.finished')).toHaveLength(1);
				expect((await app.ctx.orchestrator.get(run.id))!.lastSeq).toBe(events.length);
			}
		}
		expect(uncaught.errors).toEqual([]);
	}, 120_000);
});
