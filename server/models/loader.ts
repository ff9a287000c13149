import { GgufInsights, readGgufFileInfo, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { checkGguf } from './gguf/inspect';
import type { LlamaLogRouter } from './llama-log';
import { ModelError } from './model-errors';

export type { LoadStrategy } from '../../src/lib/contract/admin';
import type { LoadStrategy } from '../../src/lib/contract/admin';

/** What the manager needs to know to load one model; built from the catalogue entry. */
export interface ModelSpec {
	id: string;
	path: string;
	contextSize: number;
	/** CPU threads for this model: 1 for tiny models (more threads make them slower: measured in bench/results/models.json). */
	threads: number;
	/** Layers to offload on a GPU. */
	gpuLayers: number;
	/** Sequences in the shared context: how many runs decode together. */
	parallelism: number;
}

export interface Footprint {
	ramBytes: number;
	vramBytes: number;
}

export interface LoadedModel {
	model: LlamaModel;
	context: LlamaContext;
	strategy: LoadStrategy;
	footprint: Footprint;
	/** Where `footprint` comes from: what llama.cpp reported allocating, or GgufInsights' estimate when it did not say. */
	footprintSource: 'llama.cpp' | 'estimate';
	/** Strategies that were tried and failed before this one, with why. */
	fallbacks: { strategy: LoadStrategy; error: string }[];
}

export interface ModelLoader {
	/** Memory the model would take (model + context with all its sequences) under the first strategy tried. */
	estimate(spec: ModelSpec): Promise<Footprint>;
	/** `onProgress`: node-llama-cpp's load progress, 0–1 (per strategy tried). */
	load(spec: ModelSpec, onProgress?: (fraction: number) => void): Promise<LoadedModel>;
}

export interface LoaderOptions {
	useMmap?: boolean;
	/** Whether a GPU is usable; defaults to what node-llama-cpp detected. */
	gpu?: boolean;
	/**
	 * The call that loads weights. Defaults to `llama.loadModel`; tests replace it to simulate GPU failures, the one
	 * part that cannot run for real on a machine without a GPU.
	 */
	loadModel?: (options: Parameters<Llama['loadModel']>[0]) => Promise<LlamaModel>;
	/** llama.cpp's log lines, for the buffer sizes it reports while loading (server/models/llama-log.ts). */
	logs?: LlamaLogRouter;
}

const gpuLayersFor = (strategy: LoadStrategy) =>
	strategy === 'gpu-full' ? ('max' as const) : strategy === 'gpu-partial' ? ('auto' as const) : 0;

/** Loads GGUF files with node-llama-cpp: validate → full GPU → partial GPU → CPU, falling back on failure. */
export function createLlamaLoader(llama: Llama, options: LoaderOptions = {}): ModelLoader {
	const gpu = options.gpu ?? llama.gpu !== false;
	const useMmap = options.useMmap ?? true;
	const loadModel = options.loadModel ?? ((o) => llama.loadModel(o));
	const strategies: LoadStrategy[] = gpu ? ['gpu-full', 'gpu-partial', 'cpu'] : ['cpu'];
	const insightsCache = new Map<string, Promise<GgufInsights>>();

	function insights(path: string) {
		let cached = insightsCache.get(path);
		if (!cached) {
			cached = readGgufFileInfo(path).then((info) => GgufInsights.from(info, llama));
			insightsCache.set(path, cached);
			cached.catch(() => insightsCache.delete(path));
		}
		return cached;
	}

	async function footprint(spec: ModelSpec, gpuLayers: number): Promise<Footprint> {
		const i = await insights(spec.path);
		const model = await i.estimateModelResourceRequirementsV2({ gpuLayers, useMmap });
		const context = await i.estimateContextResourceRequirementsV2({
			contextSize: spec.contextSize,
			modelGpuLayers: gpuLayers,
			sequences: spec.parallelism
		});
		return { ramBytes: model.cpuRam + context.cpuRam, vramBytes: model.gpuVram + context.gpuVram };
	}

	async function validate(spec: ModelSpec) {
		const check = await checkGguf(spec.path);
		if (!check.ok)
			throw new ModelError('invalid_file', `Model ${spec.id} cannot be loaded: ${check.error.message}`, { cause: check.error });
		return check.info;
	}

	return {
		async estimate(spec) {
			await validate(spec);
			const i = await insights(spec.path);
			return footprint(spec, gpu ? Math.min(spec.gpuLayers, i.totalLayers) : 0);
		},

		async load(spec, onProgress) {
			await validate(spec);
			const fallbacks: LoadedModel['fallbacks'] = [];
			for (const strategy of strategies) {
				let model: LlamaModel | undefined;
				// Per attempt: a failed GPU attempt's buffers are not the ones the model ends up holding.
				const capture = options.logs?.capture();
				try {
					model = await loadModel({ modelPath: spec.path, gpuLayers: gpuLayersFor(strategy), useMmap, onLoadProgress: onProgress });
					const context = await model.createContext({
						contextSize: spec.contextSize,
						sequences: spec.parallelism,
						threads: spec.threads,
						batchSize: Math.min(512, spec.contextSize)
					});
					const reported = await capture?.close();
					if (reported) return { model, context, strategy, footprint: reported, footprintSource: 'llama.cpp', fallbacks };
					return { model, context, strategy, footprint: await footprint(spec, model.gpuLayers), footprintSource: 'estimate', fallbacks };
				} catch (err) {
					await capture?.close();
					await model?.dispose().catch(() => {});
					fallbacks.push({ strategy, error: err instanceof Error ? err.message : String(err) });
				}
			}
			const tried = fallbacks.map((f) => `${f.strategy}: ${f.error}`).join('; ');
			throw new ModelError('load_failed', `Model ${spec.id} failed to load (${tried})`);
		}
	};
}
