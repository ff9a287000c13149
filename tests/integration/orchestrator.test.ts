import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunRequest } from '../../src/lib/contract/runs';
import { testApp } from '../helpers/app';

let app: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
	app = await testApp();
}, 120_000);
afterAll(() => app.ctx.close());

const request = (r: Partial<RunRequest> & { prompt: string }): RunRequest => ({
	mode: 'orchestrated',
	sampling: { seed: 1, maxTokens: 48 },
	approvalGate: false,
	...r
});

async function runToEnd(r: RunRequest) {
	const run = await app.ctx.orchestrator.start({ roomId: app.room.id, authorId: app.user.id, request: r });
	const done = await app.ctx.orchestrator.waitForRun(run.id);
	const events = await app.ctx.orchestrator.events.eventsAfter(run.id, 0);
	return { run: done!, events };
}

const types = (events: RunEvent[]) => events.map((e) => e.type);
const nodeOrder = (events: RunEvent[], type: 'node.started' | 'node.finished') =>
	events.filter((e) => e.type === type).map((e) => (e.data as { node: string }).node);

describe('orchestrated runs', () => {
	it('runs all seven nodes, streams tokens, and records a gap-free event log', async () => {
		const { run, events } = await runToEnd(request({ prompt: 'How do rooms and runs work in Switchyard?' }));
		expect(run.status).toBe('succeeded');
		expect(run.modelId).toMatch(/^sy-/);
		expect(run.title).toBeTruthy();
		expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
		expect(types(events)[0]).toBe('run.queued');
		expect(types(events).at(-1)).toBe('run.finished');
		expect(new Set(nodeOrder(events, 'node.finished'))).toEqual(
			new Set(['taskAnalyzer', 'historyReader', 'resourceMonitor', 'modelRouter', 'executor', 'outputValidator', 'summarizer'])
		);
		const finished = nodeOrder(events, 'node.finished');
		expect(finished.indexOf('modelRouter')).toBeGreaterThan(finished.indexOf('taskAnalyzer'));
		expect(finished.slice(-3)).toEqual(['executor', 'outputValidator', 'summarizer']);
		const streamed = events
			.filter((e) => e.type === 'tokens')
			.map((e) => (e.data as { text: string }).text)
			.join('');
		const answer = events.find((e) => e.type === 'run.answer')!.data as { text: string };
		expect(streamed.endsWith(answer.text)).toBe(true);
		expect(answer.text.length).toBeGreaterThan(0);
		expect(types(events).indexOf('run.answer')).toBeLessThan(types(events).indexOf('run.summary'));

		// Stored events replay identically once the run is closed.
		const stored = await app.ctx.runs.eventsAfter(run.id, 0);
		expect(stored).toEqual(events);
		expect(run.lastSeq).toBe(events.length);
	});

	it('routes code prompts to the code model', async () => {
		const { run, events } = await runToEnd(
			request({ prompt: 'Write a TypeScript function that parses a config file and returns a typed object.' })
		);
		expect(run.task).toBe('code');
		const routed = events.find((e) => e.type === 'routing.decided')!.data as { modelId: string; reasons: string[] };
		expect(routed.modelId).toBe('sy-code');
		expect(routed.reasons.length).toBeGreaterThan(0);
	});

	it('direct mode skips analysis and routing but still validates', async () => {
		const { run, events } = await runToEnd(request({ prompt: 'Say hello', mode: 'direct', modelId: 'sy-tiny' }));
		expect(run.status).toBe('succeeded');
		expect(run.modelId).toBe('sy-tiny');
		const skipped = events.filter((e) => e.type === 'node.skipped').map((e) => (e.data as { node: string }).node);
		expect(skipped).toContain('taskAnalyzer');
		expect(nodeOrder(events, 'node.finished')).toContain('outputValidator');
	});

	it('compare mode answers with each model and scores them', async () => {
		const { run, events } = await runToEnd(
			request({ prompt: 'Describe the model cache', mode: 'compare', compareModelIds: ['sy-tiny', 'sy-chat-small'] })
		);
		expect(run.status).toBe('succeeded');
		const answers = events.filter((e) => e.type === 'compare.answer').map((e) => e.data as { modelId: string; score: number });
		expect(answers.map((a) => a.modelId).sort()).toEqual(['sy-chat-small', 'sy-tiny']);
		for (const a of answers) expect(a.score).toBeGreaterThanOrEqual(0);
		const tokenModels = new Set(events.filter((e) => e.type === 'tokens').map((e) => (e.data as { modelId: string }).modelId));
		expect(tokenModels).toEqual(new Set(['sy-tiny', 'sy-chat-small']));
	});

	it('retries an answer that fails validation, then falls back, within the attempt limit', async () => {
		// The generated models cannot write JSON, so a JSON request fails validation on every attempt.
		const { run, events } = await runToEnd(
			request({ prompt: 'Respond only with a JSON object describing a room, with keys name and members.' })
		);
		const retries = events.filter((e) => e.type === 'retry').map((e) => e.data as { attempt: number });
		expect(retries.length).toBe(2); // attempts 2 and 3: the limit is 3
		expect(retries.map((r) => r.attempt)).toEqual([2, 3]);
		const [first, second] = retries as unknown as { modelId: string; temperature?: number }[];
		const routed = (events.find((e) => e.type === 'routing.decided')!.data as { modelId: string }).modelId;
		expect(first).toMatchObject({ modelId: routed, temperature: 0.2 }); // same model, lower temperature
		expect(second.modelId).not.toBe(routed); // then the next fallback model
		expect(nodeOrder(events, 'node.finished').filter((n) => n === 'executor').length).toBe(retries.length + 1);
		const verdicts = events
			.filter((e) => e.type === 'validation.result')
			.map((e) => e.data as { ok: boolean; findings: { code: string }[] });
		expect(verdicts).toHaveLength(3);
		expect(verdicts.every((v) => !v.ok && v.findings.some((f) => f.code === 'invalid_json'))).toBe(true);
		// Given up, the best effort is still delivered with its findings on record, and the run says it failed its checks.
		expect(run.status).toBe('failed_validation');
		expect(types(events)).toContain('run.answer');
		expect(events.at(-1)).toMatchObject({ type: 'run.finished', data: { status: 'failed_validation' } });
		expect((await app.ctx.runs.list(app.room.id, { status: 'failed_validation', limit: 5 })).map((r) => r.id)).toContain(run.id);
	});
});

describe('steering', () => {
	it('pauses at the approval gate and resumes with an override', async () => {
		const run = await app.ctx.orchestrator.start({
			roomId: app.room.id,
			authorId: app.user.id,
			request: request({ prompt: 'Tell me about rooms', approvalGate: true })
		});
		const paused = await app.ctx.orchestrator.waitForRun(run.id);
		expect(paused!.status).toBe('waiting_approval');
		const interrupted = (await app.ctx.orchestrator.events.eventsAfter(run.id, 0)).find((e) => e.type === 'run.interrupted');
		expect(interrupted).toBeDefined();
		expect(nodeOrder(await app.ctx.orchestrator.events.eventsAfter(run.id, 0), 'node.started')).not.toContain('executor');

		const resumed = await app.ctx.orchestrator.resume(run.id, app.user.id, {
			action: 'override',
			modelId: 'sy-tiny',
			sampling: { maxTokens: 8 }
		});
		expect(resumed.ok).toBe(true);
		const done = await app.ctx.orchestrator.waitForRun(run.id);
		expect(done!.status).toBe('succeeded');
		expect(done!.modelId).toBe('sy-tiny');
		const events = await app.ctx.runs.eventsAfter(run.id, 0);
		expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
		expect(types(events)).toContain('run.resumed');
		expect(await app.ctx.orchestrator.resume(run.id, app.user.id, { action: 'approve' })).toMatchObject({
			ok: false,
			error: { code: 'conflict' }
		});
	});

	it('a rejected approval ends the run as cancelled without executing', async () => {
		const run = await app.ctx.orchestrator.start({
			roomId: app.room.id,
			authorId: app.user.id,
			request: request({ prompt: 'Tell me a story', approvalGate: true })
		});
		await app.ctx.orchestrator.waitForRun(run.id);
		await app.ctx.orchestrator.resume(run.id, app.user.id, { action: 'reject', reason: 'wrong model' });
		const done = await app.ctx.orchestrator.waitForRun(run.id);
		expect(done!.status).toBe('cancelled');
		const events = await app.ctx.runs.eventsAfter(run.id, 0);
		expect(nodeOrder(events, 'node.started')).not.toContain('executor');
		expect((events.at(-1)!.data as { reason: string }).reason).toMatch(/wrong model/);
	});

	it('cancels mid-stream promptly and records it', async () => {
		const run = await app.ctx.orchestrator.start({
			roomId: app.room.id,
			authorId: app.user.id,
			request: request({ prompt: 'Explain everything', mode: 'direct', modelId: 'sy-reason', sampling: { seed: 3, maxTokens: 8000 } })
		});
		const firstTokens = new Promise<void>((resolve) => {
			const off = app.ctx.bus.subscribe((e) => {
				if (e.runId === run.id && e.type === 'tokens') {
					off();
					resolve();
				}
			});
		});
		await firstTokens;
		const t = performance.now();
		const cancelled = await app.ctx.orchestrator.cancel(run.id, app.user.id);
		expect(performance.now() - t).toBeLessThan(2000);
		expect(cancelled.ok && cancelled.data.status).toBe('cancelled');
		const events = await app.ctx.runs.eventsAfter(run.id, 0);
		expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', data: { by: app.user.id } });
		const tokens = events.filter((e) => e.type === 'tokens').reduce((n, e) => n + (e.data as { count: number }).count, 0);
		expect(tokens).toBeLessThan(8000);
		expect((await app.ctx.orchestrator.cancel(run.id, app.user.id)).ok).toBe(false);
	});

	it('forks a past run from the executor with another model, linked to its parent', async () => {
		const { run: parent } = await runToEnd(request({ prompt: 'What is a room?' }));
		const fork = await app.ctx.orchestrator.fork(parent.id, app.user.id, {
			node: 'executor',
			modelId: 'sy-tiny',
			prompt: 'What is a run?'
		});
		expect(fork.ok).toBe(true);
		if (!fork.ok) return;
		const done = await app.ctx.orchestrator.waitForRun(fork.data.id);
		expect(done).toMatchObject({
			status: 'succeeded',
			parentRunId: parent.id,
			forkedFromNode: 'executor',
			modelId: 'sy-tiny',
			prompt: 'What is a run?'
		});
		const events = await app.ctx.runs.eventsAfter(fork.data.id, 0);
		const started = nodeOrder(events, 'node.started');
		expect(started[0]).toBe('executor');
		expect(started).not.toContain('taskAnalyzer');
	});
});
