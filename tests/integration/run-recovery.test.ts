import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../server/app';
import { loadConfig } from '../../server/config';
import { silentLogger } from '../../server/logger';
import { MODELS_DIR } from '../helpers/models';

// A process that dies mid-run (SIGKILL, a crash) leaves the run `running` with its LangGraph checkpoints stored.
// The next process continues it from the last checkpoint, numbering its events after the last stored one.

function crashMidRun(env: Record<string, string>): Promise<{ runId: string; roomId: string }> {
	const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/run-child.ts'], {
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'inherit']
	});
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error('the child never reached the executor'));
		}, 60_000);
		let out = '';
		child.stdout.on('data', (chunk) => {
			out += chunk;
			const match = /ready (\S+) (\S+)/.exec(out);
			if (!match) return;
			clearTimeout(timer);
			child.once('exit', () => resolve({ runId: match[1], roomId: match[2] }));
			child.kill('SIGKILL');
		});
		child.once('exit', (code) => code !== null && reject(new Error(`the child exited with ${code}`)));
	});
}

let ctx: AppContext | undefined;
afterAll(() => ctx?.close());

describe('a run interrupted by a crash', () => {
	it('continues from its last checkpoint in the next process, with its events numbered on', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'sy-crash-'));
		const env = { DATABASE_URL: `sqlite:${path.join(dir, 'switchyard.db')}`, DATA_DIR: dir, MODELS_DIR };
		const { runId } = await crashMidRun(env);

		ctx = await createAppContext(loadConfig({ ...env, MODEL_LOAD_CHECK: 'off', MODEL_KEEP_ALIVE_S: '0' }), silentLogger());
		const done = await ctx.orchestrator.waitForRun(runId);
		expect(done!.status).toBe('succeeded');
		const events = await ctx.runs.eventsAfter(runId, 0);
		expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
		const recoveredAt = events.findIndex((e) => e.type === 'run.started' && e.data.recovered);
		expect(recoveredAt).toBeGreaterThan(0);
		const after = events
			.slice(recoveredAt)
			.filter((e) => e.type === 'node.started')
			.map((e) => (e.data as { node: string }).node);
		// The first stage and the router had finished (checkpointed): only the executor and what follows run again.
		expect(after).toEqual(['executor', 'outputValidator', 'summarizer']);
		expect(
			events.slice(0, recoveredAt).some((e) => e.type === 'node.finished' && (e.data as { node: string }).node === 'modelRouter')
		).toBe(true);
		expect(events.at(-1)!.type).toBe('run.finished');
	}, 120_000);

	it('is continued correctly when killed before its latest checkpoints and events were written', async () => {
		// Killed the moment the executor starts: the saves of the steps before it are still waiting to be written
		// (checkpoints behind the run, events in batches). The run continues from whatever checkpoint is stored.
		await ctx?.close();
		const dir = await mkdtemp(path.join(os.tmpdir(), 'sy-crash-early-'));
		const env = { DATABASE_URL: `sqlite:${path.join(dir, 'switchyard.db')}`, DATA_DIR: dir, MODELS_DIR };
		const { runId } = await crashMidRun({ ...env, READY_AFTER_MS: '0' });

		ctx = await createAppContext(loadConfig({ ...env, MODEL_KEEP_ALIVE_S: '0' }), silentLogger());
		const done = await ctx.orchestrator.waitForRun(runId);
		expect(done!.status).toBe('succeeded');
		const events = await ctx.runs.eventsAfter(runId, 0);
		expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
		expect(events.at(-1)!.type).toBe('run.finished');
		expect(events.filter((e) => e.type === 'run.answer')).toHaveLength(1);
		const nodesAfterRestart = events
			.slice(events.findIndex((e) => e.type === 'run.started' && e.data.recovered))
			.filter((e) => e.type === 'node.started')
			.map((e) => (e.data as { node: string }).node);
		expect(nodesAfterRestart.slice(-3)).toEqual(['executor', 'outputValidator', 'summarizer']);
	}, 120_000);
});
