import os from 'node:os';
import type { Llama } from 'node-llama-cpp';
import type { LlamaVram } from '../../src/lib/contract/telemetry';
import type { QuarantineInfo } from '../../src/lib/contract/admin';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { discoverModels, type ListedModel } from './discovery';
import { embed, type EmbeddingResult } from './embeddings';
import { ensureGeneratedModels } from './generator/generate';
import { guarded, type LoadGuard } from './load-guard';
import { checkGguf } from './gguf/inspect';
import { llamaLogs, openLlama } from './llama-log';
import { LoadChecker } from './load-check/checker';
import { memoryLoadCheckRepository, type LoadCheckRepository } from './load-check/load-check.repository';
import { vetWith } from './load-check/vet';
import { createLlamaLoader, type Footprint, type ModelLoader, type ModelSpec } from './loader';
import { ModelManager, type Budget } from './manager';
import { quarantineGuard, QuarantineStore } from './quarantine';
import { fileCallsFunctions } from './tool-support';
import { memoryQuarantineRepository, type QuarantineRepository } from './quarantine.repository';

/** A model as the rest of the app sees it: catalogue facts plus whether its file is here. */
export interface ModelInfo {
	id: string;
	displayName: string;
	/** The file is here, passed inspection and is not quarantined: the router may pick it and runs may load it. */
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
	quarantine?: QuarantineInfo;
}

export interface ModelServiceOptions {
	/** Where quarantines and in-flight loads are recorded (the app's database); in memory only when absent. */
	quarantine?: QuarantineRepository;
	/** Where passed load checks are remembered (the app's database); in memory only when absent. */
	loadChecks?: LoadCheckRepository;
}

/**
 * The process's model layer: the catalogue and discovered files, one llama.cpp binding and one ModelManager.
 * Built once per process by the app context and injected where needed.
 */
export class ModelService {
	private listed: ListedModel[] = [];
	/** When the models folder was last read: the "since" of a file that failed inspection. */
	private listedAt = 0;
	private readonly estimates = new Map<string, Promise<Footprint>>();
	private readonly toolSupport = new Map<string, Promise<boolean>>();
	private readonly loader: ModelLoader;
	private readonly guard: LoadGuard;
	private readonly vet: LoadGuard['vet'];
	readonly manager: ModelManager;
	/** Settles when the background check of the folder's files (see vetInBackground) is done; tests wait on it. */
	vetting: Promise<void> = Promise.resolve();

	private constructor(
		private readonly config: Config,
		private readonly logger: Logger,
		private readonly llama: Llama,
		budget: Budget,
		private readonly quarantine: QuarantineStore,
		readonly loadChecker: LoadChecker | undefined
	) {
		this.loader = createLlamaLoader(llama, { useMmap: config.models.useMmap, logs: llamaLogs });
		this.vet = loadChecker && vetWith(loadChecker, quarantine);
		this.guard = quarantineGuard(quarantine, (id) => this.quarantined(id)?.reason, this.vet);
		this.manager = new ModelManager({
			loader: this.loader,
			resolve: (id) => this.spec(id),
			budget,
			maxQueue: config.models.maxQueue,
			defaultKeepAliveMs: config.models.keepAliveMs > 0 ? config.models.keepAliveMs : null,
			guard: this.guard
		});
		this.manager.on('loaded', (e) =>
			logger.info(
				{ modelId: e.modelId, ms: Math.round(e.ms), strategy: e.strategy, ramBytes: e.ramBytes, footprint: e.footprintSource },
				'model loaded'
			)
		);
		this.manager.on('evicted', (e) => logger.info({ modelId: e.modelId, reason: e.reason }, 'model evicted'));
		this.manager.on('unloaded', (e) => logger.info({ modelId: e.modelId, reason: e.reason }, 'model unloaded'));
		this.manager.on('failed', (e) => logger.warn({ modelId: e.modelId, error: e.error }, 'model failed to load'));
	}

	static async create(config: Config, logger: Logger, options: ModelServiceOptions = {}): Promise<ModelService> {
		if (config.models.generate) {
			await ensureGeneratedModels(config.modelsDir, { log: (line) => logger.debug(line) });
		}
		// Before anything can load: a load the previous process never finished becomes a quarantine here.
		const quarantine = await QuarantineStore.open(options.quarantine ?? memoryQuarantineRepository(), { logger });
		const llama = await openLlama('auto');
		llamaLogs.forward = (level, message) => logger[level]({ component: 'llama.cpp' }, message.trim());
		const loadChecker = config.models.loadCheck === 'child' ? createLoadChecker(config, logger, llama, options.loadChecks) : undefined;
		const service = new ModelService(config, logger, llama, await defaultBudget(config, llama), quarantine, loadChecker);
		await service.refresh();
		return service;
	}

	/** Re-reads the catalogue and the models folder. */
	async refresh(): Promise<void> {
		this.listed = await discoverModels(this.config.modelsDir);
		this.listedAt = Date.now();
		this.estimates.clear();
		this.toolSupport.clear();
		this.vetting = this.vetInBackground();
	}

	/**
	 * Puts the folder's files through the supervised load check now instead of at their first use, so the first run
	 * does not wait for a child and a file that crashes llama.cpp is quarantined (and on the admin page) before anyone
	 * asks for it. A file that passed before costs a stat. Not on a cluster's web nodes, which load no model.
	 */
	private async vetInBackground(): Promise<void> {
		const vet = this.vet;
		if (!vet || this.config.cluster.role === 'web') return;
		const specs = this.listed.flatMap((m) => this.spec(m.id) ?? []);
		// A failure is already quarantined (and logged) by the vetting itself, or inconclusive and tried again at use.
		await Promise.all(
			specs.map((spec) =>
				vet(spec).catch((err: unknown) => this.logger.debug({ err, modelId: spec.id }, 'background model load check refused a model'))
			)
		);
	}

	/** Why the model must not be loaded: its file failed inspection, or it is quarantined (see quarantine.ts). */
	quarantined(id: string): QuarantineInfo | undefined {
		const m = this.listed.find((l) => l.id === id);
		if (m?.status === 'invalid')
			return { cause: 'invalid_file', reason: m.problem?.message ?? 'the file failed inspection', since: this.listedAt };
		if (m?.status !== 'present') return undefined;
		const row = this.quarantine.get(id, m.path);
		return row && { cause: row.cause, reason: row.reason, since: row.since };
	}

	/**
	 * Lifts a model's quarantine and reads the models folder again (re-inspecting its file). Resolves to the
	 * quarantine that still applies (the file still fails inspection), or undefined when the model may load again.
	 */
	async clearQuarantine(id: string): Promise<QuarantineInfo | undefined> {
		await this.quarantine.clear(id);
		await this.refresh();
		return this.quarantined(id);
	}

	list(): ModelInfo[] {
		return this.listed.map((m) => {
			const quarantine = this.quarantined(m.id);
			return {
				id: m.id,
				displayName: m.displayName,
				present: m.status === 'present' && !quarantine,
				origin: m.origin,
				capabilities: m.entry?.capabilities ?? [],
				quality: (m.entry?.quality ?? {}) as Record<string, number>,
				parameters: m.entry?.parameters.label ?? '?',
				quantization: m.entry?.quantization ?? '?',
				contextSize: m.entry ? Math.min(m.entry.contextSize, this.config.models.maxContextSize) : 0,
				generated: m.entry?.generated ?? false,
				sizeBytes: m.sizeBytes,
				problem: m.problem?.message,
				quarantine
			};
		});
	}

	/** How to load a present model; undefined for unknown, missing and quarantined ones. */
	spec(id: string): ModelSpec | undefined {
		const m = this.listed.find((l) => l.id === id);
		if (!m || m.status !== 'present' || !m.entry || this.quarantined(id)) return undefined;
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
			// Estimating simulates a load in llama.cpp: guarded like one (the router estimates every model).
			cached = guarded(this.guard, spec, () => this.loader.estimate(spec));
			this.estimates.set(id, cached);
			cached.catch(() => this.estimates.delete(id));
		}
		return cached;
	}

	/** Whether a present model calls functions: its catalogue entry's `tools`, else derived from its file (cached). */
	callsFunctions(id: string): Promise<boolean> {
		const m = this.listed.find((l) => l.id === id);
		if (m?.entry?.tools !== undefined) return Promise.resolve(m.entry.tools);
		if (!m || m.status !== 'present') return Promise.resolve(false);
		let cached = this.toolSupport.get(id);
		if (!cached) {
			cached = fileCallsFunctions(m.path);
			this.toolSupport.set(id, cached);
		}
		return cached;
	}

	/** One embedding vector per input from a present model (loaded through the cache like a run's). */
	embed(id: string, inputs: string[], signal?: AbortSignal): Promise<EmbeddingResult> {
		return embed(this.manager, id, inputs, signal);
	}

	/** llama.cpp's view of the GPU memory it can use (zeros on a CPU-only build). */
	async vramState(): Promise<LlamaVram> {
		const { total, used, free } = await this.llama.getVramState();
		return { total, used, free };
	}

	async close(): Promise<void> {
		this.loadChecker?.close();
		await this.vetting;
		await this.manager.close();
		await this.llama.dispose();
	}
}

function createLoadChecker(config: Config, logger: Logger, llama: Llama, passes = memoryLoadCheckRepository()): LoadChecker {
	return new LoadChecker({
		passes,
		engine: `${llama.llamaCppRelease.release} ${llama.gpu || 'cpu'}`,
		gpu: llama.gpu,
		useMmap: config.models.useMmap,
		logger: logger.child({ component: 'load-check' }),
		inspect: async (path) => (await checkGguf(path)).ok
	});
}

/** RAM: a quarter of the machine, at most 8 GiB; VRAM: 90% of what the GPU has (none without a GPU). */
async function defaultBudget(config: Config, llama: Llama): Promise<Budget> {
	const vram = llama.gpu === false ? 0 : (await llama.getVramState()).total * 0.9;
	return {
		ramBytes: config.models.ramBudgetBytes ?? Math.min(os.totalmem() / 4, 8 * 1024 ** 3),
		vramBytes: config.models.vramBudgetBytes ?? Math.floor(vram)
	};
}
