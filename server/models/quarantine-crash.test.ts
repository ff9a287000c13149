// A real crash: a child process is killed by llama.cpp (GGML_ASSERT → abort) in the middle of a recorded load.
// The record was committed before llama.cpp ran, so the next start quarantines the model instead of loading the
// same file again (the crash loop this guards against).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../logger';
import { openDatabase } from '../storage/db';
import { repoRoot } from './paths';
import { CRASH_REASON, QuarantineStore } from './quarantine';
import { createQuarantineRepository } from './quarantine.repository';
import { writeTestGguf } from '../../tests/helpers/gguf-files';
import { gguf, type GgufTensor } from './generator/writer';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'sy-crash-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

function runChild(
	dbFile: string,
	modelFile: string,
	crashIn: 'estimate' | 'load'
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
	const script = path.join(repoRoot, 'server/models/fixtures/crash-during-load.ts');
	// ulimit -c 0: no core file from the abort.
	const child = spawn('sh', ['-c', 'ulimit -c 0; exec "$0" --import tsx "$@"', process.execPath, script, dbFile, modelFile, crashIn], {
		cwd: repoRoot
	});
	let output = '';
	child.stdout.on('data', (d) => (output += d));
	child.stderr.on('data', (d) => (output += d));
	return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, output })));
}

// Key and value head sizes that differ pass llama.cpp's loader, then abort the process in its llama graph.
async function abortBait(file: string): Promise<void> {
	const vHalf = (tensors: GgufTensor[]) =>
		tensors.map((t) => (t.name === 'blk.0.attn_v.weight' ? { ...t, dims: [8, 4], data: new Float32Array(32) } : t));
	await writeTestGguf(file, {
		set: { 'llama.attention.key_length': gguf.u32(4), 'llama.attention.value_length': gguf.u32(2) },
		editTensors: vHalf
	});
}

it.each(['load', 'estimate'] as const)(
	'quarantines a model that killed the previous process during its %s',
	async (crashIn) => {
		const modelFile = path.join(dir, `abort-${crashIn}.gguf`);
		await abortBait(modelFile);
		const dbFile = path.join(dir, `${crashIn}.db`);

		const child = await runChild(dbFile, modelFile, crashIn);
		expect(child.output).not.toContain('loaded without crashing');
		expect(child.output).toContain('GGML_ASSERT');
		expect(child.signal === 'SIGABRT' || child.code === 134).toBe(true);

		const db = openDatabase({ kind: 'sqlite', file: dbFile });
		try {
			const repo = createQuarantineRepository(db);
			expect((await repo.loading()).map((r) => r.modelId)).toEqual(['crashy']); // committed before llama.cpp ran
			const restarted = await QuarantineStore.open(repo, { logger: silentLogger() });
			expect(restarted.get('crashy', modelFile)).toMatchObject({ cause: 'crashed', reason: CRASH_REASON });
			expect(await repo.loading()).toEqual([]);
		} finally {
			await db.destroy();
		}
	},
	60_000
);
