// Resource monitor node: one compact, serialisable picture of memory and model use for the router and the UI,
// built from ModelManager.status()/used()/getBudget() plus system and GPU readings the caller took.
import { formatBytes } from '../../models/model-errors';
import type { ModelSnapshot, ResourceInput, ResourceSnapshot } from './types';
import type { GraphNode, NodeDeps } from './node-deps';

/** Warn when the machine has noticeably less free RAM than the budget still promises to loads. */
const RAM_SHORTFALL_RATIO = 0.9;
const HIGH_RAM_USE = 0.9;

export function snapshotResources(input: ResourceInput): ResourceSnapshot {
	const roomsOf = (modelId: string) => [...new Set(input.leasesByRoom?.[modelId] ?? [])].sort();

	const models: ModelSnapshot[] = input.models
		.map((m, index) => ({ m, index }))
		// The manager evicts least recently used first; keep that order so the router can simulate it.
		.sort((a, b) => a.m.lastUsedAt - b.m.lastUsedAt || a.index - b.index)
		.map(({ m }) => ({
			id: m.id,
			state: m.state,
			ramBytes: m.ramBytes,
			vramBytes: m.vramBytes,
			leases: m.leases,
			queued: m.queued,
			pinned: m.pinned,
			busy: m.state === 'loading' || m.leases > 0 || m.queued > 0,
			evictable: m.state === 'ready' && m.leases === 0 && !m.pinned,
			rooms: roomsOf(m.id),
			lastUsedAt: m.lastUsedAt
		}));

	const freeBudgetBytes = {
		ramBytes: Math.max(0, input.budget.ramBytes - input.used.ramBytes),
		vramBytes: Math.max(0, input.budget.vramBytes - input.used.vramBytes)
	};
	const { freeRamBytes, totalRamBytes } = input.system;
	const usedFraction = totalRamBytes > 0 ? Math.round((1 - freeRamBytes / totalRamBytes) * 1000) / 1000 : 0;

	const warnings: string[] = [];
	if (freeRamBytes < freeBudgetBytes.ramBytes * RAM_SHORTFALL_RATIO) {
		warnings.push(
			`system has ${formatBytes(freeRamBytes)} free RAM but the model budget has ${formatBytes(freeBudgetBytes.ramBytes)} left: loads may swap`
		);
	}
	if (usedFraction >= HIGH_RAM_USE) warnings.push(`system RAM ${Math.round(usedFraction * 100)}% used`);
	if (!input.gpu.available && input.budget.vramBytes > 0) warnings.push('no GPU available: the VRAM budget is unused');
	if (
		input.gpu.available &&
		input.gpu.freeVramBytes !== undefined &&
		input.gpu.freeVramBytes < freeBudgetBytes.vramBytes * RAM_SHORTFALL_RATIO
	) {
		warnings.push(
			`GPU has ${formatBytes(input.gpu.freeVramBytes)} free but the VRAM budget has ${formatBytes(freeBudgetBytes.vramBytes)} left`
		);
	}
	for (const m of models) {
		if (m.busy && m.leases > 0 && m.rooms.length === 0) warnings.push(`${m.id} has ${m.leases} lease(s) but no known room`);
	}

	return {
		budget: { ...input.budget },
		used: { ...input.used },
		freeBudgetBytes,
		loadedModelIds: models
			.filter((m) => m.state === 'ready')
			.map((m) => m.id)
			.sort(),
		loadingModelIds: models
			.filter((m) => m.state === 'loading')
			.map((m) => m.id)
			.sort(),
		busyModels: models
			.filter((m) => m.busy)
			.map((m) => ({ modelId: m.id, leases: m.leases, queued: m.queued, rooms: m.rooms }))
			.sort((a, b) => a.modelId.localeCompare(b.modelId)),
		models,
		system: { freeRamBytes, totalRamBytes, usedFraction },
		gpu: {
			available: input.gpu.available,
			freeVramBytes: input.gpu.freeVramBytes ?? null,
			totalVramBytes: input.gpu.totalVramBytes ?? null
		},
		queueDepth: input.queueDepth,
		activeRuns: input.activeRuns,
		warnings
	};
}

/** The node: one snapshot of what the machine and the model cache look like as the run starts. */
export const resourceMonitorNode =
	(deps: NodeDeps): GraphNode =>
	async () => ({ resources: snapshotResources(await deps.resources()) });
