// Batching and memory on a model big enough to be compute-bound on a CPU: a ~134 M parameter random-weight llama
// model generated here, at bench time, into bench/.models (git-ignored). Through the ModelManager's sequence pool:
// four concurrent runs vs one (tokens per second, same model, same settings, interleaved rounds); cold load vs
// reading the file; resident memory after load and decode vs what the manager reserved.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execute } from '../server/models/executor';
import { COMPUTE_MODEL, ensureComputeModel } from '../server/models/generator/compute-model';
import { createLlamaLoader, type ModelSpec } from '../server/models/loader';
import { ModelManager } from '../server/models/manager';
import { testLlama } from '../tests/helpers/models';

const MODELS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '.models');
const TOKENS = 96;
const ROUNDS = 3;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const MiB = (bytes: number) => round(bytes / 2 ** 20, 1);

export async function run() {
	const built = await ensureComputeModel(MODELS_DIR);
	const llama = await testLlama();
	const loader = createLlamaLoader(llama);
	// Threads 1: on this shared 2-vCPU machine threads 2 decoded ~1 tok/s against ~22 with 1 (llama.cpp's threads
	// spin-wait for each other, and the other tenants' load keeps one of them descheduled).
	const spec: ModelSpec = {
		id: COMPUTE_MODEL.id,
		path: built.path,
		contextSize: 1024,
		threads: Number(process.env.BENCH_THREADS ?? 1),
		gpuLayers: 0,
		parallelism: 4
	};
	const newManager = () =>
		new ModelManager({ loader, resolve: (id) => (id === spec.id ? spec : undefined), budget: { ramBytes: 4 * 2 ** 30, vramBytes: 0 } });
	const estimate = await loader.estimate(spec);

	// 1. Cold load vs file read (page cache warm for both: the file was just written or read).
	const reads: number[] = [];
	const loads: number[] = [];
	for (let i = 0; i < 3; i++) {
		let t = performance.now();
		await readFile(spec.path);
		reads.push(performance.now() - t);
		const m = newManager();
		t = performance.now();
		await m.preload(spec.id);
		loads.push(performance.now() - t);
		await m.close();
	}

	// 2. Memory: RSS growth from before the load to after every sequence decoded, vs the reservation.
	const rss0 = process.memoryUsage().rss;
	const manager = newManager();
	const runOnce = async (seed: number) => {
		const lease = await manager.acquire(spec.id);
		try {
			return await execute(lease, {
				messages: [{ role: 'user', content: 'kalo mine ruti' }],
				sampling: { maxTokens: TOKENS, seed, temperature: 0.7, ignoreEos: true }
			});
		} finally {
			await lease.release();
		}
	};
	await Promise.all([1, 2, 3, 4].map((s) => runOnce(s))); // warm-up: all four sequences allocated and used
	const rssLoaded = process.memoryUsage().rss;
	const reserved = manager.used().ramBytes;
	const lease = await manager.acquire(spec.id);
	const llamaFigures = { model_size_mib: MiB(lease.model.size), context_state_mib: MiB(lease.context.stateSize) };
	await lease.release();

	// 3. Four concurrent runs vs one, interleaved so drift on a shared machine hits both sides alike.
	// End to end (prompt included, the goal's figure) and decode only (each run's own rate after its first token,
	// summed over runs that ran side by side).
	const single: number[] = [];
	const four: number[] = [];
	const singleDecode: number[] = [];
	const fourDecode: number[] = [];
	let promptTokens = 0;
	for (let r = 0; r < ROUNDS; r++) {
		let t = performance.now();
		const one = await runOnce(100 + r);
		single.push((one.metrics.completionTokens * 1000) / (performance.now() - t));
		singleDecode.push(one.metrics.tokensPerSecond);
		promptTokens = one.metrics.promptTokens;
		t = performance.now();
		const many = await Promise.all([1, 2, 3, 4].map((s) => runOnce(200 + 10 * r + s)));
		four.push((many.reduce((n, m) => n + m.metrics.completionTokens, 0) * 1000) / (performance.now() - t));
		fourDecode.push(many.reduce((n, m) => n + m.metrics.tokensPerSecond, 0));
	}
	await manager.close();
	const speedup = median(four) / median(single);
	const rssGrowth = rssLoaded - rss0;

	return {
		notes:
			'CPU only, 2 shared vCPUs (other work runs on this machine: figures are noisy, each is a median over interleaved rounds); random-weight F16 llama model generated at bench time into bench/.models',
		model: {
			parameters: built.parameters,
			file_mib: MiB((await readFile(spec.path)).length),
			build_ms: built.buildMs === null ? 'cached' : round(built.buildMs, 0),
			threads: spec.threads,
			sequences: spec.parallelism
		},
		cold_load: {
			cold_load_ms: round(median(loads), 1),
			file_read_ms: round(median(reads), 1),
			ratio: round(median(loads) / median(reads), 2),
			explanation: 'the model is memory-mapped, so a load does not read the weights up front; the first decode touches them'
		},
		memory: {
			estimate_mib: MiB(estimate.ramBytes),
			reserved_mib: MiB(reserved),
			llama_cpp: llamaFigures,
			rss_growth_after_load_and_decode_mib: MiB(rssGrowth),
			rss_growth_vs_reserved: round(rssGrowth / reserved, 3),
			goal: 'RSS growth within 10% of what the manager reserved',
			met: Math.abs(rssGrowth / reserved - 1) <= 0.1
		},
		batched: {
			tokens_per_run: TOKENS,
			prompt_tokens_per_run: promptTokens,
			decode_only_speedup: round(median(fourDecode) / median(singleDecode)),
			decode_only_tps: { single: round(median(singleDecode), 1), four_concurrent: round(median(fourDecode), 1) },
			rounds: ROUNDS,
			single_tps: single.map((x) => round(x, 1)),
			four_concurrent_tps: four.map((x) => round(x, 1)),
			batched_speedup: round(speedup),
			goal: '>= 1.8',
			met: speedup >= 1.8
		}
	};
}
