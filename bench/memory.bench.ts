// Memory per loaded model against what the manager reserves for it. Each generated model is measured in a fresh
// process (bench/memory-probe.ts) after another model warmed the llama.cpp runtime up, so the one-time cost of the
// runtime is reported apart from the model's own. The reservation is what llama.cpp reported allocating
// (server/models/llama-log.ts); the resident growth is taken after a full batch (four long prompts decoding), when the
// KV cache and compute buffers have really been touched.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GENERATED } from '../tests/helpers/models';

const run$ = promisify(execFile);
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const MiB = (bytes: number) => round(bytes / 2 ** 20, 1);

interface Probe {
	id: string;
	file_bytes: number;
	estimate_bytes: number;
	reserved_bytes: number;
	rss_growth_after_load_bytes: number;
	rss_growth_after_full_batch_bytes: number;
	runtime_and_warmup_rss_bytes: number;
	warmup_reserved_bytes: number;
}

async function probe(id: string, warmupId: string): Promise<Probe> {
	const { stdout } = await run$(
		process.execPath,
		['--expose-gc', '--import', 'tsx', path.join(benchDir, 'memory-probe.ts'), id, warmupId],
		{
			cwd: path.dirname(benchDir),
			maxBuffer: 1 << 20
		}
	);
	return JSON.parse(stdout.trim().split('\n').at(-1)!) as Probe;
}

export async function run() {
	const models = [];
	const runtime: number[] = [];
	for (const id of GENERATED) {
		const p = await probe(id, id === 'sy-tiny' ? 'sy-chat-small' : 'sy-tiny');
		const ratio = p.rss_growth_after_full_batch_bytes / p.reserved_bytes;
		runtime.push(p.runtime_and_warmup_rss_bytes - p.warmup_reserved_bytes);
		models.push({
			id,
			file_mib: MiB(p.file_bytes),
			estimate_mib: MiB(p.estimate_bytes),
			reserved_mib: MiB(p.reserved_bytes),
			reserved_vs_estimate: round(p.reserved_bytes / p.estimate_bytes),
			rss_growth_after_load_mib: MiB(p.rss_growth_after_load_bytes),
			rss_growth_after_full_batch_mib: MiB(p.rss_growth_after_full_batch_bytes),
			rss_growth_vs_reserved: round(ratio),
			within_10_percent: Math.abs(ratio - 1) <= 0.1,
			not_above_reserved: ratio <= 1.02
		});
	}
	return {
		notes:
			'CPU only; generated models, context 2048 per sequence, 4 sequences; each model in a fresh process after a warm-up model; ' +
			'reserved = the buffers llama.cpp reported allocating (weights, KV cache, compute, output)',
		models,
		runtime_rss_mib_beyond_the_warmup_model: runtime.map(MiB),
		goal: 'RSS growth within 10% of what the manager reserved',
		met: models.every((m) => m.within_10_percent),
		never_above_reserved: models.every((m) => m.not_above_reserved)
	};
}
