import { describe, expect, it } from 'vitest';
import type { RunEvent, RunSummary } from '../../src/lib/contract/runs';
import { exportJson, exportMarkdown } from './run-export';

const run: RunSummary & { answer: string | null } = {
	id: 'runrunrunrun',
	roomId: 'roomroomroom',
	authorId: 'annannannann',
	mode: 'orchestrated',
	prompt: 'Write ```code``` please',
	status: 'succeeded',
	modelId: 'sy-code',
	task: 'code',
	title: 'Code please',
	summary: 'Wrote code.',
	parentRunId: null,
	forkedFromNode: null,
	createdAt: 1_000,
	startedAt: 1_001,
	finishedAt: 2_500,
	metrics: {
		queueWaitMs: 0,
		loadWaitMs: 0,
		timeToFirstTokenMs: 12,
		tokensPerSecond: 900,
		promptTokens: 10,
		completionTokens: 20,
		totalMs: 30
	},
	error: null,
	lastSeq: 4,
	answer: 'const x = 1;'
};
const events: RunEvent[] = [
	{
		runId: run.id,
		seq: 1,
		ts: 1_000,
		type: 'run.queued',
		data: { roomId: run.roomId, mode: 'orchestrated', prompt: run.prompt, authorId: run.authorId, parentRunId: null }
	},
	{
		runId: run.id,
		seq: 2,
		ts: 1_010,
		type: 'routing.decided',
		data: { modelId: 'sy-code', reasons: ['best at code (0.15)'], fallbacks: [{ modelId: 'sy-reason', score: 0.05 }], task: null }
	},
	{ runId: run.id, seq: 3, ts: 1_020, type: 'tokens', data: { modelId: 'sy-code', text: 'const', count: 1 } },
	{ runId: run.id, seq: 4, ts: 1_030, type: 'node.finished', data: { node: 'executor', ms: 20, output: {} } }
];

describe('run export', () => {
	it('JSON carries the run and every event', () => {
		const out = exportJson(run, events);
		expect(out).toMatchObject({ format: 'switchyard.run', version: 1, run: { id: run.id, answer: 'const x = 1;' } });
		expect(out.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
	});

	it('Markdown shows prompt, routing, answer and a timeline without token noise, fencing safely', () => {
		const md = exportMarkdown(run, events);
		expect(md).toMatch(/^# Code please/);
		expect(md).toContain('Chose **sy-code**');
		expect(md).toContain('- best at code (0.15)');
		expect(md).toContain('````\nWrite ```code``` please\n````'); // a fence longer than any run of backticks inside
		expect(md).toContain('| 4 | 30 | node.finished executor (20 ms) |');
		expect(md).not.toMatch(/\| 3 \|/);
		expect(md).toContain('900.0 tok/s');
	});
});
