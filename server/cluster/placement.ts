// Which worker serves a model, and why: the cluster half of the model router. Pure functions over the workers'
// heartbeats, so every rule is tested without Redis. Ollama, llama-swap and LiteLLM route by model name; here the
// score is what the worker holds now, because a load costs seconds and a resident model costs nothing.
import type { WorkerModel, WorkerState } from '../../src/lib/contract/cluster';
import { formatBytes } from '../../src/lib/contract/format';
import type { ResourceInput, RouteCandidate } from '../orchestrator/nodes/types';

export interface Placement {
	workerId: string;
	/** One sentence for the router's reasons, naming the worker. */
	reason: string;
	/** 3: holds the model; 2: room to load it; 1: room after evicting idle models; 0: busy, it will wait or refuse. */
	score: 0 | 1 | 2 | 3;
}

const isResident = (m: WorkerModel | undefined) => m?.state === 'loading' || m?.state === 'ready';

/** Bytes a worker could free by evicting models that are ready, unleased, unpinned and not the one wanted. */
function evictableBytes(worker: WorkerState, except: string): number {
	return worker.models
		.filter((m) => m.id !== except && m.state === 'ready' && m.leases === 0 && m.queued === 0 && !m.pinned)
		.reduce((n, m) => n + m.ramBytes, 0);
}

function scoreOn(worker: WorkerState, modelId: string): { score: Placement['score']; load: number; detail: string } | undefined {
	const model = worker.models.find((m) => m.id === modelId);
	if (!model) return undefined; // it cannot serve this model (no file, quarantined, not in its catalogue)
	const load = model.leases + model.queued;
	if (isResident(model)) return { score: 3, load, detail: `already holds it (${model.leases} running, ${model.queued} waiting)` };
	const needs = model.estimatedRamBytes ?? 0;
	const free = Math.max(0, worker.budget.ramBytes - worker.used.ramBytes);
	if (needs <= free)
		return {
			score: 2,
			load: worker.activeSequences,
			detail: `has room to load it (${formatBytes(free)} free, needs ${formatBytes(needs)})`
		};
	if (needs <= free + evictableBytes(worker, modelId))
		return { score: 1, load: worker.activeSequences, detail: 'can load it after evicting idle models' };
	return { score: 0, load: worker.activeSequences + worker.queueDepth, detail: 'is the least busy, but must wait for room to load it' };
}

/**
 * The best worker for `modelId`: one that holds it (least loaded first), then one with room to load it (most free
 * budget first), then one that can evict idle models, then the least busy. Undefined when no live worker serves it.
 */
export function placeModel(
	modelId: string,
	workers: readonly WorkerState[],
	exclude: ReadonlySet<string> = new Set()
): Placement | undefined {
	let best: { worker: WorkerState; score: Placement['score']; load: number; free: number; detail: string } | undefined;
	for (const worker of workers) {
		if (exclude.has(worker.id)) continue;
		const s = scoreOn(worker, modelId);
		if (!s) continue;
		const free = worker.budget.ramBytes - worker.used.ramBytes;
		const better =
			!best ||
			s.score > best.score ||
			(s.score === best.score &&
				(s.load < best.load || (s.load === best.load && (free > best.free || (free === best.free && worker.id < best.worker.id)))));
		if (better) best = { worker, score: s.score, load: s.load, free, detail: s.detail };
	}
	if (!best) return undefined;
	return { workerId: best.worker.id, score: best.score, reason: `worker ${best.worker.id} ${best.detail}` };
}

/** The models any live worker can serve, as the router's candidates (the largest estimate wins when workers differ). */
export function clusterCandidates(workers: readonly WorkerState[]): RouteCandidate[] {
	const byId = new Map<string, RouteCandidate>();
	for (const worker of workers) {
		for (const m of worker.models) {
			const seen = byId.get(m.id);
			const ram = m.estimatedRamBytes ?? Number.MAX_SAFE_INTEGER;
			if (seen && seen.estimatedRamBytes >= ram) continue;
			byId.set(m.id, {
				id: m.id,
				displayName: m.displayName,
				capabilities: m.capabilities as RouteCandidate['capabilities'],
				quality: m.quality,
				estimatedRamBytes: ram,
				estimatedVramBytes: m.estimatedVramBytes ?? 0,
				present: true,
				tools: m.tools ?? false
			});
		}
	}
	return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The resource monitor's input for a cluster: a model counts as loaded when any worker holds it, and the budget is
 * the roomiest worker's (where a new model would go). Placement then names the worker.
 */
export function clusterResources(
	workers: readonly WorkerState[],
	activeRuns: number,
	leasesByRoom: Record<string, string[]>
): ResourceInput {
	const roomiest = [...workers].sort((a, b) => b.budget.ramBytes - b.used.ramBytes - (a.budget.ramBytes - a.used.ramBytes))[0];
	const models = new Map<string, ResourceInput['models'][number]>();
	for (const worker of workers) {
		for (const m of worker.models) {
			if (!m.state) continue;
			const seen = models.get(m.id);
			if (seen && seen.state === 'ready') continue;
			models.set(m.id, {
				id: m.id,
				state: m.state,
				ramBytes: m.ramBytes,
				vramBytes: m.vramBytes,
				leases: m.leases,
				queued: m.queued,
				pinned: m.pinned,
				keepAliveMs: null,
				lastUsedAt: m.lastUsedAt,
				strategy: null,
				loadMs: null
			});
		}
	}
	return {
		models: [...models.values()],
		budget: roomiest?.budget ?? { ramBytes: 0, vramBytes: 0 },
		used: roomiest?.used ?? { ramBytes: 0, vramBytes: 0 },
		system: roomiest?.system ?? { freeRamBytes: 0, totalRamBytes: 0 },
		gpu: { available: workers.some((w) => w.gpu.available) },
		queueDepth: workers.reduce((n, w) => n + w.queueDepth, 0),
		activeRuns,
		leasesByRoom
	};
}
