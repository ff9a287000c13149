import os from 'node:os';
import { getLlama, type Llama } from 'node-llama-cpp';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { discoverModels, type ListedModel } from './discovery';
import { ensureGeneratedModels } from './gguf/generate';
import { createLlamaLoader, type Footprint, type ModelLoader, type ModelSpec } from './loader';
import { ModelManager, type Budget } from './manager';

/** A model as the rest of the app sees it: catalogue facts plus whether its file is here. */
export interface ModelInfo {
	id: string;
	displayName: string;
	present: boolean;
	origin: ListedModel['origin'];
	capabilities: string[];
	quality: Record<string, number>;
	parameters: string;
	quantization: string;
	contextSize: number;
	generated: boolean;
	sizeBytes?: number;
	problem?: string;
}

/**
 * The process's model layer: the catalogue and discovered files, one llama.cpp binding and one ModelManager.
 * Built once per process by the app context and injected where needed.
 */
export class ModelService {
	private listed: ListedModel[] = [];
	private readonly estimates = new Map<string, Promise<Footprint>>();
	private readonly loader: ModelLoader;
	readonly manager: ModelManager;

	private constructor(
		private readonly config: Config,
		logger: Logger,
		private readonly llama: Llama,
		budget: Budget
	) {
		this.loader = createLlamaLoader(llama, { useMmap: config.models.useMmap });
		this.manager = new ModelManager({
			loader: this.loader,
			resolve: (id) => this.spec(id),
			budget,
			maxQueue: config.models.maxQueue,
			defaultKeepAliveMs: config.models.keepAliveMs > 0 ? config.models.keepAliveMs : null
		});
		this.manager.on('loaded', (e) => logger.info({ modelId: e.modelId, ms: Math.round(e.ms), strategy: e.strategy, ramBytes: e.ramBytes }, 'model loaded'));
		this.manager.on('evicted', (e) => logger.info({ modelId: e.modelId, reason: e.reason }, 'model evicted'));
		this.manager.on('unloaded', (e) => logger.info({ modelId: e.modelId, reason: e.reason }, 'model unloaded'));
		this.manager.on('failed', (e) => logger.warn({ modelId: e.modelId, error: e.error }, 'model failed to load'));
	}

	static async create(config: Config, logger: Logger): Promise<ModelService> {
		if (config.models.generate) {
			await ensureGeneratedModels(config.modelsDir, { log: (line) => logger.debug(line) });
		}
		// Prebuilt binaries only: never compile or download at run time.
		const llama = await getLlama({ build: 'never', gpu: 'auto' });
		const service = new ModelService(config, logger, llama, await defaultBudget(config, llama));
		await service.refresh();
		return service;
	}

	/** Re-reads the catalogue and the models folder. */
	async refresh(): Promise<void> {
		this.listed = await discoverModels(this.config.modelsDir);
		this.estimates.clear();
	}

	list(): ModelInfo[] {
		return this.listed.map((m) => ({
			id: m.id,
			displayName: m.displayName,
			present: m.status === 'present',
			origin: m.origin,
			capabilities: m.entry?.capabilities ?? [],
			quality: (m.entry?.quality ?? {}) as Record<string, number>,
			parameters: m.entry?.parameters.label ?? '?',
			quantization: m.entry?.quantization ?? '?',
			contextSize: m.entry ? Math.min(m.entry.contextSize, this.config.models.maxContextSize) : 0,
			generated: m.entry?.generated ?? false,
			sizeBytes: m.sizeBytes,
			problem: m.problem?.message
		}));
	}

	/** How to load a present model; undefined for unknown or missing ones. */
	spec(id: string): ModelSpec | undefined {
		const m = this.listed.find((l) => l.id === id);
		if (!m || m.status !== 'present' || !m.entry) return undefined;
		return {
			id,
			path: m.path,
			contextSize: Math.min(m.entry.contextSize, this.config.models.maxContextSize),
			threads: m.entry.threads,
			gpuLayers: m.entry.gpuLayers,
			parallelism: this.config.models.parallelism
		};
	}

	/** Memory a model would take when loaded (cached per model). */
	estimate(id: string): Promise<Footprint> | undefined {
		const spec = this.spec(id);
		if (!spec) return undefined;
		let cached = this.estimates.get(id);
		if (!cached) {
			cached = this.loader.estimate(spec);
			this.estimates.set(id, cached);
			cached.catch(() => this.estimates.delete(id));
		}
		return cached;
	}

	async close(): Promise<void> {
		await this.manager.close();
		await this.llama.dispose();
	}
}

/** RAM: a quarter of the machine, at most 8 GiB; VRAM: 90% of what the GPU has (none without a GPU). */
async function defaultBudget(config: Config, llama: Llama): Promise<Budget> {
	const vram = llama.gpu === false ? 0 : (await llama.getVramState()).total * 0.9;
	return {
		ramBytes: config.models.ramBudgetBytes ?? Math.min(os.totalmem() / 4, 8 * 1024 ** 3),
		vramBytes: config.models.vramBudgetBytes ?? Math.floor(vram)
	};
}
