import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRequest } from '../../src/lib/contract/runs';
import { testApp } from '../helpers/app';
import { captureUncaught } from '../helpers/uncaught';

// Faults while a run ends must not take the process down or write a second ending.
let app: Awaited<ReturnType<typeof testApp>>;
let uncaught: ReturnType<typeof captureUncaught>;

beforeAll(async () => {
	app = await testApp();
	uncaught = captureUncaught();
}, 120_000);
afterAll(async () => {
	uncaught.stop();
	await app.ctx.close();
});

const request: RunRequest = {
	prompt: 'Say hello',
	mode: 'direct',
	modelId: 'sy-tiny',
	sampling: { seed: 1, maxTokens: 8 },
	approvalGate: false
};

/** Makes the runs table refuse the final (terminal) row update `times` times, as a database restart would. */
function failFinalWrites(times: number) {
	const update = app.ctx.runs.update;
	let failures = 0;
	app.ctx.runs.update = async (id, patch) => {
		if (patch.finished_at && failures < times) {
			failures++;
			throw new Error('connection terminated');
		}
		return update(id, patch);
	};
	return {
		get failures() {
			return failures;
		},
		restore: () => (app.ctx.runs.update = update)
	};
}

describe('a database that fails while a run ends', () => {
	it('the final row is written again after a blip, with one ending event', async () => {
		const fault = failFinalWrites(2);
		try {
			const run = await app.ctx.orchestrator.start({ roomId: app.room.id, authorId: app.user.id, request });
			const done = await app.ctx.orchestrator.waitForRun(run.id);
			expect(fault.failures).toBe(2);
			expect(done!.status).toBe('succeeded');
			const events = await app.ctx.runs.eventsAfter(run.id, 0);
			expect(events.filter((e) => e.type === 'run.finished' || e.type === 'run.failed')).toHaveLength(1);
			expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
		} finally {
			fault.restore();
		}
		expect(uncaught.errors).toEqual([]);
	});

	it('a database that stays down: the process stays up, the events are still stored, no second ending', async () => {
		const fault = failFinalWrites(100);
		let runId: string;
		try {
			const run = await app.ctx.orchestrator.start({ roomId: app.room.id, authorId: app.user.id, request });
			runId = run.id;
			await app.ctx.orchestrator.waitForRun(run.id);
		} finally {
			fault.restore();
		}
		const events = await app.ctx.runs.eventsAfter(runId, 0);
		expect(events.filter((e) => e.type === 'run.finished' || e.type === 'run.failed')).toHaveLength(1);
		expect(app.ctx.orchestrator.events.isLive(runId)).toBe(false);
		expect(uncaught.errors).toEqual([]);
		// The row still says running; the next start's recovery brings it in line with the log, without another ending.
		expect((await app.ctx.orchestrator.get(runId))!.status).toBe('running');
		await app.ctx.runsService.recoverInterrupted();
		expect((await app.ctx.orchestrator.get(runId))!.status).toBe('succeeded');
		expect(await app.ctx.runs.eventsAfter(runId, 0)).toEqual(events);
	});
});
