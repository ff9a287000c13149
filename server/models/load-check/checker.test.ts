// The stamp memo and batching of the supervised load check, with the child replaced by a recorder (run-check.test.ts
// starts the real one): a file is checked once per (path, size, mtime, engine), through the database across
// restarts and through the process memo across app contexts; a changed file is checked again; files asked for
// together share one child, and a crash is blamed on its file only.
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase } from '../../../tests/helpers/databases';
import { silentLogger } from '../../logger';
import { LoadChecker, PassMemo, processPassMemo, type LoadCheckerOptions } from './checker';
import { createLoadCheckRepository, memoryLoadCheckRepository } from './load-check.repository';
import type { CheckJob, CheckOutcome, CheckRequest } from './run-check';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'sy-load-check-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, content = 'model bytes'): Promise<string> {
	const at = path.join(dir, name);
	await writeFile(at, content);
	return at;
}

const job = (at: string): CheckJob => ({ path: at, contextSize: 256, threads: 1, gpuLayers: 0, parallelism: 1 });

/** A child that answers from `verdicts` (by file name; passed when absent) and records every batch it was given. */
function fakeChild(verdicts: Record<string, CheckOutcome> = {}) {
	const batches: string[][] = [];
	const run = async (request: CheckRequest): Promise<CheckOutcome[]> => {
		batches.push(request.jobs.map((j) => path.basename(j.path)));
		let crashed = false;
		return request.jobs.map((j): CheckOutcome => {
			if (crashed) return { kind: 'unreached' };
			const outcome = verdicts[path.basename(j.path)] ?? { kind: 'passed', ms: 5 };
			if (outcome.kind === 'crashed') crashed = true;
			return outcome;
		});
	};
	return { run, batches };
}

const checker = (options: Partial<LoadCheckerOptions> & Pick<LoadCheckerOptions, 'run'>) =>
	new LoadChecker({
		passes: memoryLoadCheckRepository(),
		engine: 'b1 cpu',
		gpu: false,
		useMmap: true,
		logger: silentLogger(),
		inspect: async () => true,
		memo: new PassMemo(),
		...options
	});

const abort: CheckOutcome = { kind: 'crashed', signal: 'SIGABRT', code: null, lastLine: 'llama-model.cpp:1: GGML_ASSERT(x) failed' };

describe('the supervised load check', () => {
	it('checks a file once: later calls, and a second checker sharing the memo, pay nothing', async () => {
		const at = await file('once.gguf');
		const child = fakeChild();
		const memo = new PassMemo();
		const first = checker({ run: child.run, memo });
		expect(await first.check(job(at))).toEqual({ ok: true, by: 'child' });
		expect(await first.check(job(at))).toEqual({ ok: true, by: 'memo' });
		expect(await checker({ run: child.run, memo }).check(job(at))).toEqual({ ok: true, by: 'memo' });
		expect(child.batches).toEqual([['once.gguf']]);
	});

	it.each(DIALECTS)('remembers passes in the database (%s): a restarted process (fresh memo) does not start a child', async (kind) => {
		const database = await freshDatabase(kind);
		try {
			const at = await file(`stored-${kind}.gguf`);
			const child = fakeChild();
			const passes = createLoadCheckRepository(database.db);
			expect(await checker({ run: child.run, passes }).check(job(at))).toEqual({ ok: true, by: 'child' });
			expect(await checker({ run: child.run, passes }).check(job(at))).toEqual({ ok: true, by: 'database' });
			expect(await checker({ run: child.run, passes, engine: 'b2 cuda' }).check(job(at))).toEqual({ ok: true, by: 'child' });
			expect(child.batches).toHaveLength(2);
		} finally {
			await database.drop();
		}
	});

	it('checks a changed file again (another size, or only another mtime)', async () => {
		const at = await file('changing.gguf');
		const child = fakeChild();
		const memo = new PassMemo();
		const passes = memoryLoadCheckRepository();
		const check = () => checker({ run: child.run, memo, passes }).check(job(at));
		expect(await check()).toEqual({ ok: true, by: 'child' });
		await writeFile(at, 'other model bytes');
		expect(await check()).toEqual({ ok: true, by: 'child' });
		await utimes(at, new Date(), new Date(Date.now() + 5_000));
		expect(await check()).toEqual({ ok: true, by: 'child' });
		expect(await check()).toEqual({ ok: true, by: 'memo' });
		expect(child.batches).toHaveLength(3);
	});

	it('puts files asked for together in one child, and one call per file however many ask', async () => {
		const [a, b] = [await file('a.gguf'), await file('b.gguf')];
		const child = fakeChild();
		const c = checker({ run: child.run });
		const verdicts = await Promise.all([c.check(job(a)), c.check(job(b)), c.check(job(a))]);
		expect(verdicts.every((v) => v.ok)).toBe(true);
		expect(child.batches).toEqual([['a.gguf', 'b.gguf']]);
		expect(c.children).toBe(1);
	});

	it('blames a crash on its file alone: the files after it are checked in a new child', async () => {
		const [good, bad, later] = [await file('good.gguf'), await file('bad.gguf'), await file('later.gguf')];
		const child = fakeChild({ 'bad.gguf': abort });
		const c = checker({ run: child.run });
		const [g, b, l] = await Promise.all([c.check(job(good)), c.check(job(bad)), c.check(job(later))]);
		expect(g).toEqual({ ok: true, by: 'child' });
		expect(b).toEqual({
			ok: false,
			cause: 'crashed',
			reason: 'llama.cpp aborted while opening this file (SIGABRT) in a supervised check: llama-model.cpp:1: GGML_ASSERT(x) failed'
		});
		expect(l).toEqual({ ok: true, by: 'child' });
		// A batch goes in path order: the child dies on bad.gguf first, and the other two go to a second child.
		expect(child.batches).toEqual([
			['bad.gguf', 'good.gguf', 'later.gguf'],
			['good.gguf', 'later.gguf']
		]);
		// A failed file is not memoised: it is the quarantine's to keep out, and it is checked again once cleared.
		expect((await c.check(job(bad))).ok).toBe(false);
	});

	it('quarantines nothing on an inconclusive check, and remembers nothing', async () => {
		const at = await file('slow.gguf');
		const child = fakeChild({ 'slow.gguf': { kind: 'inconclusive', why: 'the check did not finish within 600 s' } });
		const c = checker({ run: child.run });
		expect(await c.check(job(at))).toEqual({
			ok: false,
			cause: 'inconclusive',
			reason: 'the supervised check of its file failed: the check did not finish within 600 s'
		});
		expect((await c.check(job(at))).ok).toBe(false);
		expect(child.batches).toHaveLength(2);
	});

	it('takes a child that ran out of memory for inconclusive, not for a bad file', async () => {
		const at = await file('big.gguf');
		const oom: CheckOutcome = { kind: 'crashed', signal: 'SIGABRT', code: null, lastLine: 'ggml-cuda.cu:97: CUDA error: out of memory' };
		expect(await checker({ run: fakeChild({ 'big.gguf': oom }).run }).check(job(at))).toEqual({
			ok: false,
			cause: 'inconclusive',
			reason: 'the supervised check of its file ran out of memory: ggml-cuda.cu:97: CUDA error: out of memory'
		});
	});

	it('names a refusal and a non-zero exit', async () => {
		const [refused, exited] = [await file('refused.gguf'), await file('exited.gguf')];
		const c = checker({
			run: fakeChild({
				'refused.gguf': { kind: 'refused', error: 'failed to load model' },
				'exited.gguf': { kind: 'crashed', signal: null, code: 3, lastLine: '' }
			}).run
		});
		expect(await c.check(job(refused))).toEqual({
			ok: false,
			cause: 'load_failed',
			reason: 'llama.cpp refused this file in a supervised check: failed to load model'
		});
		expect(await c.check(job(exited))).toEqual({
			ok: false,
			cause: 'crashed',
			reason: 'the process opening this file in a supervised check exited with code 3'
		});
	});

	it('leaves files that fail inspection, and missing files, to the loader without a child', async () => {
		const at = await file('uninspectable.gguf');
		const child = fakeChild();
		const c = checker({ run: child.run, inspect: async () => false });
		expect(await c.check(job(at))).toEqual({ ok: true, by: 'inspection' });
		expect(await c.check(job(path.join(dir, 'missing.gguf')))).toEqual({ ok: true, by: 'no-file' });
		expect(child.batches).toEqual([]);
	});

	it('shares one memo per process', () => {
		expect(processPassMemo()).toBe(processPassMemo());
	});
});
