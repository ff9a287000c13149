// The memory side of routing: whether a model fits now (free, by evicting idle models, or not at all), mirroring
// ModelManager's admission, and what loading it costs the room and others (load time, evictions, busy slots).
import { formatBytes } from '../../models/model-errors';
import { gib, round, routingWeights } from './routing-weights';
import type { ModelSnapshot, ResourceSnapshot, RouteCandidate } from './types';

export interface MemoryPlan {
	memoryFit: number;
	evicts: ModelSnapshot[];
	loaded: boolean;
	excluded?: string;
	note: string;
}

function describeHolder(m: ModelSnapshot): string {
	if (m.state === 'loading') return `${m.id} (loading)`;
	if (m.pinned) return `${m.id} (pinned)`;
	return `${m.id} (${m.leases} run(s)${m.rooms.length ? `: ${m.rooms.join(', ')}` : ''})`;
}

/** Mirrors ModelManager's admission: fits free, fits by evicting idle models in LRU order, or cannot fit now. */
export function planMemory(candidate: RouteCandidate, resources: ResourceSnapshot): MemoryPlan {
	const current = resources.models.find((m) => m.id === candidate.id && m.state !== 'unloading');
	if (current)
		return {
			memoryFit: 1,
			evicts: [],
			loaded: true,
			note: current.state === 'loading' ? 'already loading: no swap' : 'already loaded: no swap'
		};

	const needs = { ramBytes: candidate.estimatedRamBytes, vramBytes: candidate.estimatedVramBytes };
	const { budget } = resources;
	if (needs.ramBytes > budget.ramBytes || needs.vramBytes > budget.vramBytes) {
		const vram = needs.vramBytes > 0 || budget.vramBytes > 0 ? ` / ${formatBytes(needs.vramBytes)} VRAM` : '';
		const budgetVram = vram ? ` / ${formatBytes(budget.vramBytes)}` : '';
		return {
			memoryFit: 0,
			evicts: [],
			loaded: false,
			excluded: `too large: needs ${formatBytes(needs.ramBytes)} RAM${vram} but the budget is ${formatBytes(budget.ramBytes)}${budgetVram}`,
			note: ''
		};
	}
	let freeRam = resources.freeBudgetBytes.ramBytes;
	let freeVram = resources.freeBudgetBytes.vramBytes;
	const fits = () => freeRam >= needs.ramBytes && freeVram >= needs.vramBytes;
	if (fits())
		return {
			memoryFit: 1,
			evicts: [],
			loaded: false,
			note: `fits in free memory (${formatBytes(needs.ramBytes)} of ${formatBytes(freeRam)} free)`
		};

	const evicts: ModelSnapshot[] = [];
	for (const m of resources.models) {
		if (fits()) break;
		if (!m.evictable) continue;
		evicts.push(m);
		freeRam += m.ramBytes;
		freeVram += m.vramBytes;
	}
	if (fits())
		return {
			memoryFit: routingWeights.memoryFitEvicting,
			evicts,
			loaded: false,
			note: `load ${formatBytes(needs.ramBytes)}, evicting idle ${evicts.map((m) => m.id).join(', ')}`
		};
	const holders = resources.models.filter((m) => !m.evictable && m.state !== 'unloading').map(describeHolder);
	return {
		memoryFit: 0,
		evicts: [],
		loaded: false,
		excluded: `cannot fit now: needs ${formatBytes(needs.ramBytes)} RAM, ${formatBytes(freeRam)} free even after evicting idle models${holders.length ? `; held by ${holders.join(', ')}` : ''}`,
		note: ''
	};
}

export function swapCost(
	candidate: RouteCandidate,
	plan: MemoryPlan,
	resources: ResourceSnapshot,
	roomId: string
): { penalty: number; notes: string[] } {
	const w = routingWeights;
	const notes: string[] = [];
	let penalty = 0;
	if (!plan.loaded) penalty += Math.min(w.loadMax, w.loadBase + w.loadPerGiB * gib(candidate.estimatedRamBytes));
	for (const victim of plan.evicts) {
		penalty += w.evictIdle;
		const others = victim.rooms.filter((r) => r !== roomId);
		if (others.length > 0) {
			penalty += w.evictOtherRoom;
			notes.push(`would evict ${victim.id}, in use by ${others.join(', ')}`);
		}
	}
	const self = resources.models.find((m) => m.id === candidate.id);
	if (self && self.leases + self.queued > 0) {
		const others = self.rooms.filter((r) => r !== roomId);
		const elsewhere = others.length > 0 || self.rooms.length === 0;
		penalty += (elsewhere ? w.busyOtherRoom : w.busyOwnRoom) + w.busyPerQueued * self.queued;
		notes.push(
			elsewhere ? `busy in ${others.length ? others.join(', ') : 'another room'}: may wait for a slot` : 'busy with this room’s runs'
		);
	}
	return { penalty: round(penalty), notes };
}
