// What the supervised load check (MODEL_LOAD_CHECK=child) costs, against baselines from the same run: the first use
// of the generated models in this process (estimate + load + context + one token, what the check repeats in its
// child), a bare Node process start, and the same child started through tsx (why check-child.js is plain JS). The
// check is paid once per new file (path, size, mtime); a memo hit is what every later load pays.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../server/logger';
import { LoadChecker, PassMemo } from '../server/models/load-check/checker';
import { memoryLoadCheckRepository } from '../server/models/load-check/load-check.repository';
import { runCheck, type CheckJob } from '../server/models/load-check/run-check';
import { createLlamaLoader } from '../server/models/loader';
import { ModelManager } from '../server/models/manager';
import { GENERATED, generatedSpecs, testLlama } from '../tests/helpers/models';

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const REPEATS = 3;

async function timed(work: () => Promise<unknown>): Promise<number> {
	const t = performance.now();
	await work();
	return performance.now() - t;
}

function exits(command: string, args: string[]): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
		(child.stdio[3] as NodeJS.ReadableStream).resume(); // fd 3: the child's reports, not needed here
		let stderr = '';
		child.stderr!.on('data', (d) => (stderr += d));
		child.once('error', reject);
		child.once('close', (code) =>
			code === 0 ? resolve() : reject(new Error(`${args.at(-2) ?? command} exited with ${code}: ${stderr.slice(-500)}`))
		);
	});
}

export async function run() {
	const llama = await testLlama();
	const specs = await generatedSpecs({ parallelism: 4, contextSize: 1024 });
	const jobs: CheckJob[] = GENERATED.map((id) => specs[id]);
	const loader = createLlamaLoader(llama);
	const request = (some: CheckJob[]) => ({ gpu: false as const, useMmap: true, jobs: some });
	await runCheck(request(jobs), { timeoutMs: 600_000 }); // warm the page cache and the binding's files

	// Baseline: first use of every generated model in this process, one after the other.
	const inProcess: number[] = [];
	for (let i = 0; i < REPEATS; i++) {
		inProcess.push(
			await timed(async () => {
				const manager = new ModelManager({ loader, resolve: (id) => specs[id], budget: { ramBytes: 1 << 30, vramBytes: 0 } });
				for (const id of GENERATED) {
					const lease = await manager.acquire(id);
					for await (const token of lease.sequence.evaluate([lease.model.tokens.bos ?? lease.model.tokenize('a')[0]!], {
						yieldEogToken: true
					})) {
						void token;
						break;
					}
					await lease.release();
				}
				await manager.close();
			})
		);
	}
	const nodeStart: number[] = [];
	for (let i = 0; i < REPEATS; i++) nodeStart.push(await timed(() => exits(process.execPath, ['-e', '0'])));

	const one: number[] = [];
	const four: number[] = [];
	const fourUnderTsx: number[] = [];
	const child = fileURLToPath(new URL('../server/models/load-check/check-child.js', import.meta.url));
	for (let i = 0; i < REPEATS; i++) {
		one.push(await timed(() => runCheck(request(jobs.slice(0, 1)), { timeoutMs: 600_000 })));
		four.push(await timed(() => runCheck(request(jobs), { timeoutMs: 600_000 })));
		// The same child with tsx's loader in front (as a .ts child would need).
		fourUnderTsx.push(await timed(() => exits(process.execPath, ['--import', 'tsx', child, JSON.stringify(request(jobs))])));
	}

	// What every load after the first pays: the memo (a stat and a Set lookup).
	const checker = new LoadChecker({
		passes: memoryLoadCheckRepository(),
		engine: 'bench',
		gpu: false,
		useMmap: true,
		logger: silentLogger(),
		inspect: async () => true,
		memo: new PassMemo()
	});
	await Promise.all(jobs.map((j) => checker.check(j)));
	const hits: number[] = [];
	for (let i = 0; i < 2_000; i++) hits.push(await timed(() => checker.check(jobs[i % jobs.length])));

	const inProcessMs = median(inProcess);
	return {
		notes: `CPU only, generated models (${GENERATED.join(', ')}), context 1024 × 4 sequences; medians of ${REPEATS}; 2 vCPU shared with other work, so absolute times are noisy — compare the ratios`,
		baseline: {
			in_process_first_use_all_4_ms: round(inProcessMs),
			bare_node_process_ms: round(median(nodeStart))
		},
		check: {
			one_file_one_child_ms: round(median(one)),
			four_files_one_child_ms: round(median(four)),
			four_files_vs_in_process_first_use: round(median(four) / inProcessMs, 2),
			four_files_vs_one_file: round(median(four) / median(one), 2),
			same_child_under_tsx_ms: round(median(fourUnderTsx)),
			tsx_vs_plain_child: round(median(fourUnderTsx) / median(four), 2)
		},
		memo_hit: {
			samples: hits.length,
			median_ms: round(median(hits), 4),
			vs_in_process_first_use: round(median(hits) / inProcessMs, 6)
		}
	};
}
