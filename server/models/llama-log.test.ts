import { describe, expect, it } from 'vitest';
import { generatedSpecs, GENERATED } from '../../tests/helpers/models';
import { footprintOf, LlamaLogRouter, llamaLogs, openLlama, parseBufferLine } from './llama-log';
import { createLlamaLoader } from './loader';
import { ModelManager } from './manager';
import { LlamaLogLevel } from 'node-llama-cpp';
import { statSync } from 'node:fs';

const MIB = 1024 * 1024;

describe('llama.cpp buffer lines', () => {
	it('reads the weights, KV cache, compute and output buffers, on the host and on a GPU', () => {
		// Lines as llama.cpp 3.21.1's logger writes them (CPU ones seen here; the CUDA ones are its format on a GPU).
		const lines = [
			'load_tensors:   CPU_Mapped model buffer size =     5.84 MiB',
			'load_tensors:        CUDA0 model buffer size =   100.50 MiB',
			'llama_context:        CPU  output buffer size =     0.16 MiB',
			'llama_kv_cache:        CUDA0 KV buffer size =     8.00 MiB',
			'sched_reserve:        CUDA0 compute buffer size =    23.11 MiB',
			'sched_reserve:   CUDA_Host compute buffer size =     2.00 MiB'
		].map(parseBufferLine);
		expect(lines.map((l) => [l?.kind, l?.device])).toEqual([
			['model', 'CPU_Mapped'],
			['model', 'CUDA0'],
			['output', 'CPU'],
			['kv', 'CUDA0'],
			['compute', 'CUDA0'],
			['compute', 'CUDA_Host']
		]);
		expect(footprintOf(lines.map((l) => l!))).toEqual({
			ramBytes: Math.round(5.84 * MIB) + Math.round(0.16 * MIB) + 2 * MIB,
			vramBytes: Math.round(100.5 * MIB) + 8 * MIB + Math.round(23.11 * MIB)
		});
		expect(parseBufferLine('llama_model_loader: - kv  15: llama.vocab_size u32 = 10677')).toBeUndefined();
	});

	it('trusts no report that lacks the KV cache or the compute buffer', () => {
		const model = parseBufferLine('load_tensors: CPU_Mapped model buffer size = 5.84 MiB')!;
		expect(footprintOf([model])).toBeUndefined();
	});

	it('trusts neither of two loads whose captures overlap (the lines carry no model name)', async () => {
		const router = new LlamaLogRouter();
		router.forward = () => {};
		const a = router.capture();
		const b = router.capture();
		for (const line of [
			'load_tensors: CPU model buffer size = 1.00 MiB',
			'llama_kv_cache: CPU KV buffer size = 1.00 MiB',
			'sched_reserve: CPU compute buffer size = 1.00 MiB'
		])
			router.logger(LlamaLogLevel.info, line);
		expect(await a.close()).toBeUndefined();
		expect(await b.close()).toBeUndefined();
		const c = router.capture();
		router.logger(LlamaLogLevel.info, 'load_tensors: CPU model buffer size = 1.00 MiB');
		router.logger(LlamaLogLevel.info, 'llama_kv_cache: CPU KV buffer size = 2.00 MiB');
		router.logger(LlamaLogLevel.info, 'sched_reserve: CPU compute buffer size = 3.00 MiB');
		expect(await c.close()).toEqual({ ramBytes: 6 * MIB, vramBytes: 0 });
	});

	it('sends llama.cpp’s warnings and errors to the app’s logger, and nothing below', () => {
		const router = new LlamaLogRouter();
		const seen: string[] = [];
		router.forward = (level, message) => seen.push(`${level} ${message}`);
		router.logger(LlamaLogLevel.info, 'load_tensors: loading');
		router.logger(LlamaLogLevel.warn, 'careful');
		router.logger(LlamaLogLevel.error, 'broken');
		expect(seen).toEqual(['warn careful', 'error broken']);
	});
});

describe('a generated model loaded for real', () => {
	it('reserves what llama.cpp reports allocating: at least the file, and no more than the estimate allows for', async () => {
		const specs = await generatedSpecs({ contextSize: 2048, parallelism: 4 });
		const loader = createLlamaLoader(await openLlama(false), { logs: llamaLogs });
		for (const id of GENERATED) {
			const spec = specs[id];
			const estimate = await loader.estimate(spec);
			const manager = new ModelManager({
				loader,
				resolve: (m) => (m === id ? spec : undefined),
				budget: { ramBytes: 1 << 30, vramBytes: 0 }
			});
			let source: string | undefined;
			manager.on('loaded', (e) => (source = e.footprintSource));
			const lease = await manager.acquire(id);
			const reserved = manager.used().ramBytes;
			await lease.release();
			await manager.close();
			expect(source, id).toBe('llama.cpp');
			// The weights alone (mapped from the file) are part of it; the KV cache and compute buffers come on top.
			expect(reserved, id).toBeGreaterThan(statSync(spec.path).size);
			// GgufInsights simulates the same allocation: the two agree within a few percent on these models.
			expect(Math.abs(reserved / estimate.ramBytes - 1), `${id}: reserved ${reserved} vs estimate ${estimate.ramBytes}`).toBeLessThan(0.1);
		}
	});
});
