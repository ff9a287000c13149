// @ts-check
// The supervised check's child process (server/models/load-check/run-check.ts starts it): opens each model file with
// node-llama-cpp as the server would — memory estimate, load under the same GPU strategies, a context like the
// ModelManager's, one token evaluated — and reports on fd 3 as it begins and ends each file. If llama.cpp aborts
// (GGML_ASSERT) only this process dies, and the parent blames the file it had begun. Plain JavaScript on purpose: starting it through
// tsx cost ~5 s more per check on the project's machines (measured; see bench/results/load-check.json).
// Usage: node check-child.js '<CheckRequest JSON>'
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getLlama, GgufInsights, readGgufFileInfo } from 'node-llama-cpp';

/**
 * @typedef {{ path: string, contextSize: number, threads: number, gpuLayers: number, parallelism: number }} CheckJob
 * @typedef {{ gpu: false | 'cuda' | 'vulkan' | 'metal', useMmap: boolean, jobs: CheckJob[] }} CheckRequest
 */

/** @type {CheckRequest} */
const request = JSON.parse(process.argv[2] ?? '{}');
const llama = await getLlama({ build: 'never', gpu: request.gpu });
const gpu = llama.gpu !== false;
/** The loader's strategies (server/models/loader.ts), as node-llama-cpp's gpuLayers values. */
/** @type {('max' | 'auto' | 0)[]} */
const strategies = gpu ? ['max', 'auto', 0] : [0];

/** @param {object} line */
const report = (line) => writeSync(3, `${JSON.stringify(line)}\n`); // synchronous: written before the next file starts

/** @param {CheckJob} job */
async function openLikeTheServer(job) {
	const insights = await GgufInsights.from(await readGgufFileInfo(job.path), llama);
	const gpuLayers = gpu ? Math.min(job.gpuLayers, insights.totalLayers) : 0;
	await insights.estimateModelResourceRequirementsV2({ gpuLayers, useMmap: request.useMmap });
	await insights.estimateContextResourceRequirementsV2({
		contextSize: job.contextSize,
		modelGpuLayers: gpuLayers,
		sequences: job.parallelism
	});
	/** @type {string[]} */
	const refused = [];
	for (const strategy of strategies) {
		const model = await llama
			.loadModel({ modelPath: job.path, gpuLayers: strategy, useMmap: request.useMmap })
			.catch((/** @type {unknown} */ err) => {
				refused.push(String(err instanceof Error ? err.message : err));
			});
		if (!model) continue;
		try {
			const context = await model.createContext({
				contextSize: job.contextSize,
				sequences: job.parallelism,
				threads: job.threads,
				batchSize: Math.min(512, job.contextSize)
			});
			const sequence = context.getSequence();
			const first = model.tokens.bos ?? model.tokenize('a')[0];
			if (first !== undefined) {
				for await (const token of sequence.evaluate([first], { yieldEogToken: true })) {
					void token;
					break;
				}
			}
			await context.dispose();
			return;
		} catch (err) {
			refused.push(String(err instanceof Error ? err.message : err));
		} finally {
			await model.dispose();
		}
	}
	throw new Error(refused.join('; '));
}

for (const [i, job] of request.jobs.entries()) {
	report({ i, begin: true });
	const started = performance.now();
	try {
		await openLikeTheServer(job);
		report({ i, ok: true, ms: Math.round(performance.now() - started) });
	} catch (err) {
		report({ i, ok: false, error: err instanceof Error ? err.message : String(err) });
	}
}
await llama.dispose();
