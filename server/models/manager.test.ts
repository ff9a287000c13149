import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Llama } from 'node-llama-cpp';
import { brokenModelFile, generatedSpecs, testLlama } from '../../tests/helpers/models';
import { createLlamaLoader, type ModelLoader, type ModelSpec } from './loader';
import { ModelManager, type ManagerEvents } from './manager';
import { ModelError } from './model-errors';

let llama: Llama;
let specs: Record<string, ModelSpec>;
let loader: ModelLoader;
let sizes: Record<string, number>;

beforeAll(async () => {
	llama = await testLlama();
	specs = await generatedSpecs();
	loader = createLlamaLoader(llama);
	sizes = {};
	for (const [id, spec] of Object.entries(specs)) sizes[id] = (await loader.estimate(spec)).ramBytes;
}, 120_000);

const managers: ModelManager[] = [];
afterEach(async () => {
	for (const m of managers.splice(0)) await m.close();
});

function manager(opts: {
	ramBytes: number;
	keepAliveMs?: number;
	maxQueue?: number;
	extra?: Record<string, ModelSpec>;
	parallelism?: number;
}) {
	const all = { ...specs, ...opts.extra };
	const m = new ModelManager({
		loader,
		resolve: (id) => (all[id] ? { ...all[id], parallelism: opts.parallelism ?? all[id].parallelism } : undefined),
		budget: { ramBytes: opts.ramBytes, vramBytes: 0 },
		defaultKeepAliveMs: opts.keepAliveMs ?? null,
		maxQueue: opts.maxQueue
	});
	managers.push(m);
	return m;
}

function record<E extends keyof ManagerEvents>(m: ModelManager, event: E) {
	const seen: ManagerEvents[E][0][] = [];
	m.on(event, ((e: ManagerEvents[E][0]) => seen.push(e)) as never);
	return seen;
}

async function use(m: ModelManager, id: string) {
	const lease = await m.acquire(id);
	await lease.release();
}

describe('ModelManager', () => {
	it('loads on a miss, serves hits from the cache, and reports both', async () => {
		const m = manager({ ramBytes: 1 << 30 });
		const first = await m.acquire('sy-tiny');
		expect(first.cacheHit).toBe(false);
		expect(first.sequence).toBeDefined();
		await first.release();
		const second = await m.acquire('sy-tiny');
		expect(second.cacheHit).toBe(true);
		expect(second.loadWaitMs).toBe(0);
		await second.release();
		expect(m.stats).toMatchObject({ hits: 1, misses: 1, loads: 1 });
		expect(m.status()[0]).toMatchObject({ id: 'sy-tiny', state: 'ready', strategy: 'cpu', leases: 0 });
	});

	it('shares one load between concurrent acquires (single-flight)', async () => {
		const m = manager({ ramBytes: 1 << 30, parallelism: 2 });
		const loading = record(m, 'loading');
		const [a, b] = await Promise.all([m.acquire('sy-chat-small'), m.acquire('sy-chat-small')]);
		expect(loading).toHaveLength(1);
		expect(a.model).toBe(b.model);
		expect(a.sequence).not.toBe(b.sequence);
		await Promise.all([a.release(), b.release()]);
	});

	it('evicts the least recently used idle model to make room, and never exceeds the budget', async () => {
		const budget = sizes['sy-tiny'] + sizes['sy-chat-small'] + sizes['sy-code'] - 1; // any two fit, not three
		const m = manager({ ramBytes: budget });
		const evicted = record(m, 'evicted');
		let peak = 0;
		m.on('loading', () => (peak = Math.max(peak, m.used().ramBytes)));
		await use(m, 'sy-tiny');
		await use(m, 'sy-chat-small');
		await use(m, 'sy-tiny'); // tiny is now the most recently used
		await use(m, 'sy-code');
		expect(evicted.map((e) => e.modelId)).toEqual(['sy-chat-small']);
		expect(
			m
				.status()
				.map((s) => s.id)
				.sort()
		).toEqual(['sy-code', 'sy-tiny']);
		expect(peak).toBeLessThanOrEqual(budget);
		expect(m.used().ramBytes).toBeLessThanOrEqual(budget);
	});

	it('never evicts a leased or pinned model; says why when nothing can make room', async () => {
		const budget = sizes['sy-code'] + sizes['sy-chat-small'] + 1024; // chat-small fits beside code, not beside both
		const m = manager({ ramBytes: budget });
		const held = await m.acquire('sy-tiny');
		m.pin('sy-code');
		await use(m, 'sy-code');
		const err = await m.acquire('sy-chat-small').catch((e) => e);
		expect(err).toBeInstanceOf(ModelError);
		expect(err.code).toBe('budget_busy');
		expect(err.message).toMatch(/sy-tiny \(1 run\(s\)\).*sy-code \(pinned\)/);
		expect((await m.preview('sy-chat-small')).fits).toBe(false);

		await held.release();
		expect(await m.preview('sy-chat-small')).toMatchObject({ fits: true, evicts: ['sy-tiny'] });
		await use(m, 'sy-chat-small');
		expect(m.isLoaded('sy-tiny')).toBe(false);
		expect(m.isLoaded('sy-code')).toBe(true);
	});

	it('fails clearly for a model that cannot fit even alone, and for unknown ids', async () => {
		const m = manager({ ramBytes: sizes['sy-tiny'] });
		await expect(m.acquire('sy-reason')).rejects.toMatchObject({ code: 'too_large', message: expect.stringMatching(/budget/) });
		await expect(m.acquire('nope')).rejects.toMatchObject({ code: 'unknown_model' });
		expect(m.used().ramBytes).toBe(0);
	});

	it('unloads idle models after their keep-alive, but not pinned or leased ones', async () => {
		const m = manager({ ramBytes: 1 << 30, keepAliveMs: 50 });
		const unloaded = record(m, 'unloaded');
		await use(m, 'sy-tiny');
		m.pin('sy-chat-small');
		await use(m, 'sy-chat-small');
		const held = await m.acquire('sy-code');
		await new Promise((r) => setTimeout(r, 200));
		expect(unloaded.map((e) => [e.modelId, e.reason])).toEqual([['sy-tiny', 'ttl']]);
		expect(m.isLoaded('sy-chat-small')).toBe(true);
		expect(m.isLoaded('sy-code')).toBe(true);
		m.setKeepAlive('sy-code', null);
		await held.release();
		await new Promise((r) => setTimeout(r, 120));
		expect(m.isLoaded('sy-code')).toBe(true);
	});

	it('queues runs beyond the parallelism, bounded, and lets a waiter abort', async () => {
		const m = manager({ ramBytes: 1 << 30, parallelism: 1, maxQueue: 1 });
		const first = await m.acquire('sy-tiny');
		const waiting = m.acquire('sy-tiny');
		await expect(m.acquire('sy-tiny')).rejects.toMatchObject({ code: 'queue_full' });
		const controller = new AbortController();
		await first.release();
		const second = await waiting;
		expect(second.queueWaitMs).toBeGreaterThan(0);
		const aborted = m.acquire('sy-tiny', { signal: controller.signal });
		controller.abort();
		await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
		await second.release();
		expect(m.status()[0]).toMatchObject({ leases: 0, queued: 0 });
	});

	it('rejects a bad GGUF with an error naming the file, and keeps working', async () => {
		const bad = await brokenModelFile();
		const m = manager({ ramBytes: 1 << 30, extra: { broken: { ...specs['sy-tiny'], id: 'broken', path: bad } } });
		const err = await m.acquire('broken').catch((e) => e);
		expect(err).toMatchObject({ code: 'invalid_file' });
		expect(err.message).toContain(bad);
		await use(m, 'sy-tiny');
		expect(m.isLoaded('sy-tiny')).toBe(true);
	});

	it('unloads on request, but not while a run holds the model', async () => {
		const m = manager({ ramBytes: 1 << 30 });
		const held = await m.acquire('sy-tiny');
		await expect(m.unload('sy-tiny')).rejects.toMatchObject({ code: 'budget_busy' });
		await held.release();
		await m.unload('sy-tiny');
		expect(m.status()).toEqual([]);
	});

	it('shrinks the budget by evicting idle models, and refuses below what is in use', async () => {
		const m = manager({ ramBytes: 1 << 30 });
		await use(m, 'sy-tiny');
		const held = await m.acquire('sy-chat-small');
		await m.setBudget({ ramBytes: sizes['sy-chat-small'] + 1, vramBytes: 0 });
		expect(m.isLoaded('sy-tiny')).toBe(false);
		await expect(m.setBudget({ ramBytes: 1000, vramBytes: 0 })).rejects.toMatchObject({ code: 'budget_busy' });
		expect(m.getBudget().ramBytes).toBe(sizes['sy-chat-small'] + 1);
		await held.release();
	});
});

describe('load strategies', () => {
	it('falls back from full GPU to partial GPU to CPU when offload fails', async () => {
		// No GPU exists on these machines: the GPU attempts are simulated by a loadModel that refuses layers > 0.
		const attempts: unknown[] = [];
		const gpuLoader = createLlamaLoader(llama, {
			gpu: true,
			loadModel: async (options) => {
				attempts.push(options.gpuLayers);
				if (options.gpuLayers !== 0) throw new Error('CUDA error: out of memory');
				return llama.loadModel(options);
			}
		});
		const loaded = await gpuLoader.load(specs['sy-tiny']);
		expect(attempts).toEqual(['max', 'auto', 0]);
		expect(loaded.strategy).toBe('cpu');
		expect(loaded.fallbacks.map((f) => f.strategy)).toEqual(['gpu-full', 'gpu-partial']);
		await loaded.context.dispose();
		await loaded.model.dispose();
	});

	it('reports every strategy when all fail', async () => {
		const failing = createLlamaLoader(llama, { gpu: true, loadModel: async () => Promise.reject(new Error('nope')) });
		await expect(failing.load(specs['sy-tiny'])).rejects.toMatchObject({
			code: 'load_failed',
			message: expect.stringMatching(/gpu-full: nope; gpu-partial: nope; cpu: nope/)
		});
	});
});
