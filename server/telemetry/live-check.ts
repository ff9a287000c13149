// Manual end-to-end check on a machine WITH an NVIDIA GPU: `npx tsx server/telemetry/live-check.ts`.
// Runs the real GPU source + sampler + metrics against the real nvidia-smi for a few seconds, kills nvidia-smi once
// to watch the restart, and prints what it saw as JSON. Not a test: CI has no GPU.
import { createGpuSource, type GpuSourceEvent } from './gpu-source';
import { createMetrics } from './metrics';
import { createSampler } from './sampler';
import { telemetrySampleSchema } from '../../src/lib/contract/telemetry';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isAlive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

async function main() {
	const events: (GpuSourceEvent & { t: number })[] = [];
	const t0 = Date.now();
	const gpu = createGpuSource({ intervalMs: 500, initialBackoffMs: 200, onEvent: (e) => events.push({ ...e, t: Date.now() - t0 }) });
	const metrics = createMetrics({ defaultMetrics: false });
	const sampler = createSampler({ intervalMs: 500, gpu });
	sampler.subscribe((s) => metrics.updateFromSample(s));
	sampler.start();

	await sleep(2500);
	const beforeKill = sampler.latest();
	const firstSpawn = events.find((e) => e.type === 'spawn');
	const firstPid = firstSpawn?.type === 'spawn' ? firstSpawn.pid : undefined;
	if (firstPid) process.kill(firstPid, 'SIGKILL');
	await sleep(2500);
	const afterRestart = sampler.latest();
	const spawns = events.flatMap((e) => (e.type === 'spawn' && e.pid ? [e.pid] : []));
	sampler.stop();
	await gpu.close();

	const history = sampler.history();
	const report = {
		samples: history.length,
		allSchemaValid: history.every((s) => telemetrySampleSchema.safeParse(s).success),
		gpuAvailableSamples: history.filter((s) => s.gpu.available).length,
		beforeKill: beforeKill?.gpu,
		afterRestart: afterRestart?.gpu,
		events,
		childrenAliveAfterClose: spawns.filter(isAlive),
		gpuMetricLines: (await metrics.render()).split('\n').filter((l) => l.startsWith('switchyard_gpu_')),
		cpu: afterRestart?.cpu,
		eventLoop: afterRestart?.eventLoop
	};
	console.log(JSON.stringify(report, null, 2));
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
