import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { DecodeRounds } from './decode-rounds';
import type { Footprint, LoadStrategy } from './loader';
import type { ModelCacheStatus } from '../../src/lib/contract/admin';

// The ModelManager's public shapes, apart from its logic.

export interface Budget {
	ramBytes: number;
	vramBytes: number;
}

/** A model held for one run: it cannot be evicted until `release()`. */
export interface ModelLease {
	readonly modelId: string;
	readonly model: LlamaModel;
	readonly context: LlamaContext;
	readonly sequence: LlamaContextSequence;
	/** Shared by the runs on this context: generating in step makes each token round one batch. */
	readonly rounds: DecodeRounds;
	/** Milliseconds spent waiting for the load (0 on a cache hit) and for a free sequence. */
	readonly loadWaitMs: number;
	readonly queueWaitMs: number;
	readonly cacheHit: boolean;
	release(): Promise<void>;
}

export type ModelState = ModelCacheStatus['state'];

/** What the manager reports per model (the wire shape of src/lib/contract/admin.ts). */
export type ModelStatus = ModelCacheStatus;

export interface ManagerEvents {
	loading: [{ modelId: string; ramBytes: number; vramBytes: number }];
	loaded: [
		{
			modelId: string;
			ramBytes: number;
			vramBytes: number;
			footprintSource: 'llama.cpp' | 'estimate';
			ms: number;
			strategy: LoadStrategy;
			fallbacks: number;
		}
	];
	evicted: [{ modelId: string; ramBytes: number; vramBytes: number; reason: 'lru' | 'budget' }];
	unloaded: [{ modelId: string; ramBytes: number; vramBytes: number; reason: 'admin' | 'ttl' | 'shutdown' }];
	failed: [{ modelId: string; error: string; ms: number }];
	/** node-llama-cpp's load progress (0–1) while a model's weights load; runs waiting for it show a progress bar. */
	progress: [{ modelId: string; fraction: number }];
}

export interface EvictionPreview {
	modelId: string;
	loaded: boolean;
	fits: boolean;
	needs: Footprint;
	evicts: string[];
	reason?: string;
}
