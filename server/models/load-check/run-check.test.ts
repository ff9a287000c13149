// The real child on real files: a batch with a file that aborts llama.cpp reports the files before it as passed, the
// bad one as crashed by SIGABRT with llama.cpp's assertion, and the ones after it as unreached — and this process
// lives on.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAbortingGguf, writeTestGguf } from '../../../tests/helpers/gguf-files';
import { checkGguf } from '../gguf/inspect';
import { lastWords, runCheck, type CheckJob } from './run-check';

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'sy-run-check-'));
	await writeTestGguf(path.join(dir, 'good.gguf'));
	await writeAbortingGguf(path.join(dir, 'aborts.gguf'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const job = (name: string): CheckJob => ({ path: path.join(dir, name), contextSize: 256, threads: 1, gpuLayers: 0, parallelism: 2 });

describe('the load check child', () => {
	it('opens files in order and is blamed only for the one that killed it', async () => {
		expect((await checkGguf(path.join(dir, 'aborts.gguf'))).ok).toBe(true); // inspection lets it through
		const outcomes = await runCheck(
			{ gpu: false, useMmap: true, jobs: [job('good.gguf'), job('aborts.gguf'), job('good.gguf')] },
			{ timeoutMs: 120_000 }
		);
		expect(outcomes).toEqual([
			{ kind: 'passed', ms: expect.any(Number) },
			{
				kind: 'crashed',
				signal: 'SIGABRT',
				code: null,
				lastLine: expect.stringMatching(/^llama-model\.cpp:\d+: GGML_ASSERT\(n_expert_used_max <= hparams\.n_expert\) failed$/)
			},
			{ kind: 'unreached' }
		]);
	}, 120_000);

	it('reports what llama.cpp refuses without dying, and goes on', async () => {
		const outcomes = await runCheck({ gpu: false, useMmap: true, jobs: [job('missing.gguf'), job('good.gguf')] }, { timeoutMs: 120_000 });
		expect(outcomes).toEqual([
			{ kind: 'refused', error: expect.stringContaining('no such file') },
			{ kind: 'passed', ms: expect.any(Number) }
		]);
	}, 120_000);

	it('says nothing about a file when it runs out of time', async () => {
		expect(await runCheck({ gpu: false, useMmap: true, jobs: [job('good.gguf')] }, { timeoutMs: 1 })).toEqual([
			{ kind: 'inconclusive', why: 'the check did not finish within 1 ms' }
		]);
	});

	it('stops the child when asked (the server shuts down)', async () => {
		const stop = new AbortController();
		const outcomes = runCheck({ gpu: false, useMmap: true, jobs: [job('good.gguf')] }, { timeoutMs: 120_000, signal: stop.signal });
		stop.abort();
		expect(await outcomes).toEqual([{ kind: 'inconclusive', why: 'the check was stopped: the server is shutting down' }]);
	});
});

describe('lastWords', () => {
	it("keeps llama.cpp's assertion without its build path, over later lines", () => {
		const output = '[node-llama-cpp] some warning\n/home/runner/work/x/llama.cpp/src/llama-model.cpp:12: GGML_ASSERT(a) failed\nAborted\n';
		expect(lastWords(output)).toBe('llama-model.cpp:12: GGML_ASSERT(a) failed');
		expect(lastWords('one\ntwo\n')).toBe('two');
		expect(lastWords('')).toBe('');
	});
});
