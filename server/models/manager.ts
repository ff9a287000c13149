import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { Budget, EvictionPreview, ManagerEvents, ModelLease, ModelState, ModelStatus } from './manager-types';
import { guarded, quarantinedError, toLoadError, type LoadGuard } from './load-guard';
import type { Footprint, LoadStrategy, ModelLoader, ModelSpec } from './loader';
import { ModelError, formatBytes } from './model-errors';
import { SequencePool } from './sequence-pool';

export type { Budget, EvictionPreview, ManagerEvents, ModelLease, ModelState, ModelStatus } from './manager-types';

interface Entry {
	spec: ModelSpec;
	state: ModelState;
	footprint: Footprint;
	ready: Promise<void>;
	model?: LlamaModel;
	context?: LlamaContext;
	pool?: SequencePool;
	strategy?: LoadStrategy;
	loadMs?: number;
	leases: number;
	lastUsedAt: number;
	/** Monotonic use counter: the LRU order (wall-clock milliseconds tie too easily). */
	lastUse: number;
	ttlTimer?: NodeJS.Timeout;
}

export interface ManagerOptions {
	loader: ModelLoader;
	/** Resolves a model id to what is needed to load it; undefined when unknown. */
	resolve: (modelId: string) => ModelSpec | undefined;
	budget: Budget;
	/** Runs allowed to wait for a sequence per model. */
	maxQueue?: number;
	/** Default idle time before a model unloads; null keeps models until evicted. */
	defaultKeepAliveMs?: number | null;
	now?: () => number;
	/** Keeps quarantined models out and records each load around llama.cpp (server/models/load-guard.ts). */
	guard?: LoadGuard;
}

/**
 * The process's loaded models: an LRU under a RAM and a VRAM budget. Memory is reserved from the estimate before a
 * load starts, so concurrent loads can never overshoot; leased and pinned models are never evicted; idle models
 * unload after their keep-alive; concurrent acquires of a loading model share one load.
 */
export class ModelManager extends EventEmitter<ManagerEvents> {
	private readonly entries = new Map<string, Entry>();
	private readonly pinned = new Set<string>();
	private readonly keepAlive = new Map<string, number | null>();
	private readonly loader: ModelLoader;
	private readonly resolve: ManagerOptions['resolve'];
	private readonly maxQueue: number;
	private readonly defaultKeepAliveMs: number | null;
	private readonly now: () => number;
	private readonly guard: LoadGuard | undefined;
	private budget: Budget;
	// Admission is serialised so two loads cannot both count the same free bytes.
	private admission: Promise<unknown> = Promise.resolve();
	private useCounter = 0;
	readonly stats = { hits: 0, misses: 0, evictions: 0, loads: 0, failures: 0, loadMsTotal: 0 };

	constructor(options: ManagerOptions) {
		super();
		this.loader = options.loader;
		this.resolve = options.resolve;
		this.budget = { ...options.budget };
		this.maxQueue = options.maxQueue ?? 32;
		this.defaultKeepAliveMs = options.defaultKeepAliveMs ?? null;
		this.now = options.now ?? Date.now;
		this.guard = options.guard;
	}

	/** Leases a model and one of its sequences, loading it first on a miss. */
	async acquire(modelId: string, options: { signal?: AbortSignal } = {}): Promise<ModelLease> {
		const started = performance.now();
		let entry = this.entries.get(modelId);
		const cacheHit = entry?.state === 'ready';
		if (cacheHit) this.stats.hits++;
		else {
			this.stats.misses++;
			if (!entry || entry.state === 'unloading') entry = await this.admit(modelId);
		}
		const held = entry!;
		this.hold(held);
		try {
			await held.ready;
			const loaded = performance.now();
			const sequence = held.pool!.tryTake() ?? (await held.pool!.take(options.signal));
			return this.lease(held, sequence, cacheHit ? 0 : loaded - started, performance.now() - loaded, cacheHit);
		} catch (err) {
			this.unhold(held);
			throw err;
		}
	}

	/** Loads a model ahead of use (admin "preload"). */
	async preload(modelId: string): Promise<void> {
		const lease = await this.acquire(modelId);
		await lease.release();
	}

	/** What loading this model would do now: fit, evict which models, or fail and why. */
	async preview(modelId: string): Promise<EvictionPreview> {
		const existing = this.entries.get(modelId);
		if (existing && existing.state !== 'unloading') {
			return { modelId, loaded: true, fits: true, needs: existing.footprint, evicts: [] };
		}
		const spec = this.specOrThrow(modelId);
		const needs = await this.estimate(spec);
		const plan = this.planEviction(needs);
		return {
			modelId,
			loaded: false,
			fits: plan.ok,
			needs,
			evicts: plan.ok ? plan.victims.map((v) => v.spec.id) : [],
			reason: plan.ok ? undefined : plan.reason
		};
	}

	/** Unloads a model now (admin). Refuses while runs hold it. */
	async unload(modelId: string): Promise<void> {
		const entry = this.entries.get(modelId);
		if (!entry) throw new ModelError('unknown_model', `Model ${modelId} is not loaded`);
		await entry.ready.catch(() => {});
		if (entry.leases > 0) throw new ModelError('budget_busy', `Model ${modelId} is in use by ${entry.leases} run(s)`);
		await this.dispose(entry);
		this.emit('unloaded', { modelId, ...entry.footprint, reason: 'admin' });
	}

	pin(modelId: string): void {
		this.pinned.add(modelId);
		this.clearTtl(this.entries.get(modelId));
	}

	unpin(modelId: string): void {
		this.pinned.delete(modelId);
		const entry = this.entries.get(modelId);
		if (entry && entry.leases === 0) this.scheduleTtl(entry);
	}

	/** Sets a model's idle keep-alive (null: keep until evicted). Admin-only: clients cannot override it. */
	setKeepAlive(modelId: string, ms: number | null): void {
		this.keepAlive.set(modelId, ms);
		const entry = this.entries.get(modelId);
		if (entry && entry.leases === 0) this.scheduleTtl(entry);
	}

	/** Changes the budget, evicting idle models to get under it; refuses if busy or pinned models exceed it. */
	async setBudget(budget: Budget): Promise<void> {
		await this.serialised(async () => {
			const plan = this.planEviction({ ramBytes: 0, vramBytes: 0 }, budget);
			if (!plan.ok) throw new ModelError('budget_busy', `Cannot shrink the budget: ${plan.reason}`);
			for (const victim of plan.victims) await this.evict(victim, 'budget');
			this.budget = { ...budget };
		});
	}

	getBudget(): Budget {
		return { ...this.budget };
	}

	/** Bytes reserved by loading and loaded models. */
	used(): Footprint {
		let ramBytes = 0;
		let vramBytes = 0;
		for (const e of this.entries.values()) {
			ramBytes += e.footprint.ramBytes;
			vramBytes += e.footprint.vramBytes;
		}
		return { ramBytes, vramBytes };
	}

	status(): ModelStatus[] {
		return [...this.entries.values()].map((e) => ({
			id: e.spec.id,
			state: e.state,
			ramBytes: e.footprint.ramBytes,
			vramBytes: e.footprint.vramBytes,
			leases: e.leases,
			queued: e.pool?.queued ?? 0,
			pinned: this.pinned.has(e.spec.id),
			keepAliveMs: this.keepAliveFor(e.spec.id),
			lastUsedAt: e.lastUsedAt,
			strategy: e.strategy ?? null,
			loadMs: e.loadMs ?? null
		}));
	}

	isLoaded(modelId: string): boolean {
		return this.entries.get(modelId)?.state === 'ready';
	}

	async close(): Promise<void> {
		for (const entry of [...this.entries.values()]) {
			await entry.ready.catch(() => {});
			entry.pool?.rejectWaiters(new ModelError('aborted', 'The server is shutting down'));
			await this.dispose(entry);
			this.emit('unloaded', { modelId: entry.spec.id, ...entry.footprint, reason: 'shutdown' });
		}
	}

	// ── internals ──────────────────────────────────────────────────────────────────────────────────────────────

	private specOrThrow(modelId: string): ModelSpec {
		const quarantined = this.guard?.blocked(modelId);
		if (quarantined) throw quarantinedError(modelId, quarantined);
		const spec = this.resolve(modelId);
		if (!spec) throw new ModelError('unknown_model', `No model "${modelId}" in the catalogue (or its file is missing)`);
		return spec;
	}

	/** Estimating simulates a load in llama.cpp, so it is guarded like one. */
	private estimate(spec: ModelSpec): Promise<Footprint> {
		return guarded(this.guard, spec, () => this.loader.estimate(spec));
	}

	private serialised<T>(work: () => Promise<T>): Promise<T> {
		const run = this.admission.then(work, work);
		this.admission = run.catch(() => {});
		return run;
	}

	/** Reserves memory (evicting LRU idle models) and starts the load; concurrent callers get the same entry. */
	private admit(modelId: string): Promise<Entry> {
		return this.serialised(async () => {
			const current = this.entries.get(modelId);
			if (current && current.state !== 'unloading') return current; // another caller admitted it meanwhile
			const spec = this.specOrThrow(modelId);
			const needs = await this.estimate(spec);
			const plan = this.planEviction(needs);
			if (!plan.ok) throw new ModelError(plan.code, plan.reason);
			for (const victim of plan.victims) await this.evict(victim, 'lru');
			const entry: Entry = {
				spec,
				state: 'loading',
				footprint: needs,
				ready: Promise.resolve(),
				leases: 0,
				lastUsedAt: this.now(),
				lastUse: ++this.useCounter
			};
			entry.ready = this.load(entry);
			entry.ready.catch(() => {}); // observed by acquirers; avoid an unhandled rejection when nobody waits
			this.entries.set(modelId, entry);
			return entry;
		});
	}

	private async load(entry: Entry): Promise<void> {
		const { id } = entry.spec;
		const started = performance.now();
		this.emit('loading', { modelId: id, ...entry.footprint });
		try {
			const onProgress = (fraction: number) => this.emit('progress', { modelId: id, fraction });
			const loaded = await guarded(this.guard, entry.spec, () => this.loader.load(entry.spec, onProgress));
			entry.model = loaded.model;
			entry.context = loaded.context;
			entry.strategy = loaded.strategy;
			// The reservation was an estimate. What llama.cpp reports allocating replaces it; without a report, keep the
			// larger of estimate and post-load estimate (another strategy may have been used) so the sum stays honest.
			entry.footprint =
				loaded.footprintSource === 'llama.cpp'
					? loaded.footprint
					: {
							ramBytes: Math.max(entry.footprint.ramBytes, loaded.footprint.ramBytes),
							vramBytes: Math.max(entry.footprint.vramBytes, loaded.footprint.vramBytes)
						};
			entry.pool = new SequencePool(loaded.context, entry.spec.parallelism, this.maxQueue);
			entry.loadMs = performance.now() - started;
			entry.state = 'ready';
			this.stats.loads++;
			this.stats.loadMsTotal += entry.loadMs;
			this.emit('loaded', {
				modelId: id,
				...entry.footprint,
				footprintSource: loaded.footprintSource,
				ms: entry.loadMs,
				strategy: loaded.strategy,
				fallbacks: loaded.fallbacks.length
			});
		} catch (err) {
			this.entries.delete(id);
			this.stats.failures++;
			const error = toLoadError(id, err);
			this.emit('failed', { modelId: id, error: error.message, ms: performance.now() - started });
			throw error;
		}
	}

	private planEviction(
		needs: Footprint,
		budget: Budget = this.budget
	): { ok: true; victims: Entry[] } | { ok: false; code: 'too_large' | 'budget_busy'; reason: string } {
		if (needs.ramBytes > budget.ramBytes || needs.vramBytes > budget.vramBytes) {
			return {
				ok: false,
				code: 'too_large',
				reason: `needs ${formatBytes(needs.ramBytes)} RAM / ${formatBytes(needs.vramBytes)} VRAM but the budget is ${formatBytes(budget.ramBytes)} / ${formatBytes(budget.vramBytes)}`
			};
		}
		const used = this.used();
		let freeRam = budget.ramBytes - used.ramBytes;
		let freeVram = budget.vramBytes - used.vramBytes;
		const victims: Entry[] = [];
		const candidates = [...this.entries.values()]
			.filter((e) => e.state === 'ready' && e.leases === 0 && !this.pinned.has(e.spec.id))
			.sort((a, b) => a.lastUse - b.lastUse);
		for (const candidate of candidates) {
			if (freeRam >= needs.ramBytes && freeVram >= needs.vramBytes) break;
			victims.push(candidate);
			freeRam += candidate.footprint.ramBytes;
			freeVram += candidate.footprint.vramBytes;
		}
		if (freeRam >= needs.ramBytes && freeVram >= needs.vramBytes) return { ok: true, victims };
		const blocking = [...this.entries.values()]
			.filter((e) => !victims.includes(e))
			.map((e) => `${e.spec.id} (${e.state === 'loading' ? 'loading' : this.pinned.has(e.spec.id) ? 'pinned' : `${e.leases} run(s)`})`);
		return { ok: false, code: 'budget_busy', reason: `not enough free memory while ${blocking.join(', ')} stay loaded` };
	}

	private async evict(entry: Entry, reason: 'lru' | 'budget') {
		this.stats.evictions++;
		await this.dispose(entry);
		this.emit('evicted', { modelId: entry.spec.id, ...entry.footprint, reason });
	}

	private async dispose(entry: Entry) {
		entry.state = 'unloading';
		this.clearTtl(entry);
		try {
			await entry.context?.dispose();
			await entry.model?.dispose();
		} finally {
			if (this.entries.get(entry.spec.id) === entry) this.entries.delete(entry.spec.id);
		}
	}

	private hold(entry: Entry) {
		entry.leases++;
		entry.lastUsedAt = this.now();
		entry.lastUse = ++this.useCounter;
		this.clearTtl(entry);
	}

	private unhold(entry: Entry) {
		entry.leases--;
		entry.lastUsedAt = this.now();
		entry.lastUse = ++this.useCounter;
		if (entry.leases === 0) this.scheduleTtl(entry);
	}

	private lease(entry: Entry, sequence: LlamaContextSequence, loadWaitMs: number, queueWaitMs: number, cacheHit: boolean): ModelLease {
		let released = false;
		return {
			modelId: entry.spec.id,
			model: entry.model!,
			context: entry.context!,
			sequence,
			rounds: entry.pool!.rounds,
			loadWaitMs,
			queueWaitMs,
			cacheHit,
			release: async () => {
				if (released) return;
				released = true;
				try {
					await entry.pool!.give(sequence);
				} finally {
					this.unhold(entry);
				}
			}
		};
	}

	private keepAliveFor(modelId: string): number | null {
		return this.keepAlive.has(modelId) ? this.keepAlive.get(modelId)! : this.defaultKeepAliveMs;
	}

	private scheduleTtl(entry: Entry) {
		this.clearTtl(entry);
		const ttl = this.keepAliveFor(entry.spec.id);
		if (ttl === null || this.pinned.has(entry.spec.id) || entry.state !== 'ready') return;
		entry.ttlTimer = setTimeout(() => {
			if (entry.leases > 0 || entry.state !== 'ready' || this.pinned.has(entry.spec.id)) return;
			void this.serialised(async () => {
				if (entry.leases > 0 || entry.state !== 'ready') return;
				await this.dispose(entry);
				this.emit('unloaded', { modelId: entry.spec.id, ...entry.footprint, reason: 'ttl' });
			});
		}, ttl);
		entry.ttlTimer.unref();
	}

	private clearTtl(entry: Entry | undefined) {
		if (entry?.ttlTimer) clearTimeout(entry.ttlTimer);
		if (entry) entry.ttlTimer = undefined;
	}
}
