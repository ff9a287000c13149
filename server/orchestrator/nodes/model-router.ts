// Model router node: picks the model for a run. Score = capability fit × quality × memory fit − swap cost, where
// memory fit mirrors the manager's admission (free budget, else evict idle models least recently used first) and the
// swap cost makes loaded models win near-ties and keeps one room from evicting the model another room is using.
import { formatBytes } from '../../models/model-errors';
import type {
	Capability,
	ModelSnapshot,
	ResourceSnapshot,
	RouteCandidate,
	RoutingDecision,
	RoutingInput,
	RoutingTableRow,
	TaskKind
} from './types';
import { interrupt } from '@langchain/langgraph';
import type { ApprovalDecision } from '../../../src/lib/contract/runs';
import type { RunStateUpdate } from '../state';
import type { GraphNode, NodeDeps } from './node-deps';

export const routingWeights = {
	/** Memory fit when other (idle) models must be evicted first. */
	memoryFitEvicting: 0.9,
	/** Cost of loading: a base plus a little per GiB, capped (load time grows with size). */
	loadBase: 0.03,
	loadPerGiB: 0.01,
	loadMax: 0.08,
	/** Per idle model evicted, and extra when another room is using it (its next run pays the reload). */
	evictIdle: 0.02,
	evictOtherRoom: 0.25,
	/** A loaded model busy with runs: other rooms' (or unknown) runs, own room's, plus per queued run. */
	busyOtherRoom: 0.15,
	busyOwnRoom: 0.03,
	busyPerQueued: 0.03
} as const;

/** A model lacking the task borrows a related ability at a discount: [capability, fit]. */
const relatedCapabilities: Record<TaskKind, [Capability, number][]> = {
	code: [
		['reasoning', 0.4],
		['chat', 0.3]
	],
	math: [
		['reasoning', 0.7],
		['code', 0.4],
		['chat', 0.3]
	],
	reasoning: [
		['math', 0.6],
		['chat', 0.5],
		['code', 0.3]
	],
	summarize: [
		['chat', 0.7],
		['reasoning', 0.5],
		['creative', 0.4]
	],
	creative: [
		['chat', 0.6],
		['summarize', 0.3]
	],
	chat: [
		['creative', 0.6],
		['summarize', 0.5],
		['reasoning', 0.5],
		['code', 0.3],
		['math', 0.2]
	]
};
/** Any model can produce text: the fit when nothing related is listed. */
const GENERIC_FIT = 0.1;
/** Quality assumed for a listed capability without a score. */
const UNSCORED_QUALITY = 0.5;

export class RoutingError extends Error {
	override readonly name = 'RoutingError';
	constructor(
		readonly code: 'no_candidates' | 'no_usable_model',
		message: string,
		readonly table: RoutingTableRow[]
	) {
		super(message);
	}
}

const round = (n: number) => Math.round(n * 1e4) / 1e4;
const gib = (bytes: number) => bytes / 1024 ** 3;

interface Fit {
	capabilityFit: number;
	quality: number;
	/** The capability the quality comes from (the task itself, or a related one). */
	basis: Capability | 'generic';
}

function capabilityFit(candidate: RouteCandidate, task: TaskKind): Fit {
	if (candidate.capabilities.includes(task)) return { capabilityFit: 1, quality: candidate.quality[task] ?? UNSCORED_QUALITY, basis: task };
	let best: Fit | undefined;
	for (const [capability, fit] of relatedCapabilities[task]) {
		if (!candidate.capabilities.includes(capability)) continue;
		const quality = candidate.quality[capability] ?? UNSCORED_QUALITY;
		if (!best || fit * quality > best.capabilityFit * best.quality) best = { capabilityFit: fit, quality, basis: capability };
	}
	const anyQuality = Math.max(0, ...candidate.capabilities.map((c) => candidate.quality[c] ?? UNSCORED_QUALITY));
	return best ?? { capabilityFit: GENERIC_FIT, quality: anyQuality, basis: 'generic' };
}

interface MemoryPlan {
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
function planMemory(candidate: RouteCandidate, resources: ResourceSnapshot): MemoryPlan {
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

function swapCost(
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

function scoreCandidate(candidate: RouteCandidate, input: RoutingInput): RoutingTableRow & { basis: Fit['basis']; loaded: boolean } {
	const fit = capabilityFit(candidate, input.analysis.task);
	const base = { modelId: candidate.id, capabilityFit: fit.capabilityFit, quality: fit.quality, basis: fit.basis, evicts: [] as string[] };
	const excludedRow = (excluded: string) => ({ ...base, memoryFit: 0, swapPenalty: 0, total: 0, excluded, notes: [], loaded: false });
	if (input.exclude?.includes(candidate.id)) return excludedRow('excluded for this run (already tried)');
	if (!candidate.present) return excludedRow('model file missing');
	const plan = planMemory(candidate, input.resources);
	if (plan.excluded) return excludedRow(plan.excluded);
	const swap = swapCost(candidate, plan, input.resources, input.roomId);
	const total = round(fit.capabilityFit * fit.quality * plan.memoryFit - swap.penalty);
	return {
		...base,
		memoryFit: plan.memoryFit,
		swapPenalty: swap.penalty,
		total,
		evicts: plan.evicts.map((m) => m.id),
		notes: [plan.note, ...swap.notes],
		loaded: plan.loaded
	};
}

export function routeModel(input: RoutingInput): RoutingDecision {
	const { task } = input.analysis;
	const scored = input.candidates.map((c) => scoreCandidate(c, input));
	const table: RoutingTableRow[] = scored.map(({ basis: _basis, loaded: _loaded, ...row }) => row);
	if (input.candidates.length === 0) throw new RoutingError('no_candidates', 'No models to route to: the catalogue is empty', table);

	// Best first; near-equal totals go to the loaded model, then the smaller one, then by id for determinism.
	const ramOf = (id: string) => input.candidates.find((c) => c.id === id)!.estimatedRamBytes;
	const usable = scored
		.filter((r) => !r.excluded)
		.sort((a, b) =>
			Math.abs(b.total - a.total) > 1e-9
				? b.total - a.total
				: Number(b.loaded) - Number(a.loaded) || ramOf(a.modelId) - ramOf(b.modelId) || a.modelId.localeCompare(b.modelId)
		);
	if (usable.length === 0) {
		const why = scored.map((r) => `${r.modelId} (${r.excluded})`).join('; ');
		throw new RoutingError('no_usable_model', `No usable model for ${task}: ${why}`, table);
	}

	const reasons: string[] = [];
	let chosen = usable[0];
	if (input.pinnedModelId) {
		const pinned = scored.find((r) => r.modelId === input.pinnedModelId);
		const by = input.pinnedBy ? ` by ${input.pinnedBy}` : '';
		if (pinned && !pinned.excluded) {
			chosen = pinned;
			reasons.push(`pinned${by}`);
		} else {
			reasons.push(
				`pinned model ${input.pinnedModelId} unusable (${pinned ? pinned.excluded : 'not in the catalogue'}): using the best available instead`
			);
		}
	}

	const bestQuality = Math.max(...usable.filter((r) => r.capabilityFit === 1).map((r) => r.quality));
	if (chosen.basis === task) reasons.push(`${chosen.quality >= bestQuality ? 'best' : 'good'} at ${task} (${chosen.quality})`);
	else if (chosen.basis === 'generic')
		reasons.push(`no usable model lists ${task} or a related ability: general fallback (${chosen.quality})`);
	else reasons.push(`no usable model lists ${task}: using its ${chosen.basis} ability (${chosen.quality} × ${chosen.capabilityFit})`);
	reasons.push(...chosen.notes);
	const fallbacks = usable.filter((r) => r !== chosen).map((r) => ({ modelId: r.modelId, score: r.total }));
	if (fallbacks[0] && chosen === usable[0]) reasons.push(`ahead of ${fallbacks[0].modelId} (${chosen.total} vs ${fallbacks[0].score})`);
	// Name better-suited models that could not be used, so "why not X?" is answered.
	const chosenRaw = chosen.capabilityFit * chosen.quality;
	for (const r of scored) if (r.excluded && r.capabilityFit * r.quality > chosenRaw) reasons.push(`skipped ${r.modelId}: ${r.excluded}`);

	return { modelId: chosen.modelId, score: chosen.total, reasons, fallbacks, table };
}

/** What the approval gate shows and what an answer to it changes. */
export function applyApproval(update: RunStateUpdate, decision: ApprovalDecision, sampling: RunStateUpdate['sampling']): RunStateUpdate {
	if (decision.action === 'reject') return { ...update, decision, rejected: true };
	if (decision.action === 'override')
		return { ...update, decision, modelId: decision.modelId ?? update.modelId, sampling: { ...sampling, ...decision.sampling } };
	return { ...update, decision };
}

/**
 * The node: the router's choice (the hand-picked model in direct mode), then the approval gate when the room asks
 * for one. Everything before interrupt() runs again when the run resumes (LangGraph re-runs the node): it is pure.
 */
export const modelRouterNode =
	(deps: NodeDeps): GraphNode =>
	async (s) => {
		if (s.mode === 'compare') return { skipped: [{ node: 'modelRouter', reason: 'compare mode: models chosen by hand' }] };
		let update: RunStateUpdate;
		if (s.mode === 'direct') update = { modelId: s.request.modelId!, routing: null };
		else {
			try {
				const routing = routeModel({
					analysis: s.analysis!,
					candidates: await deps.candidates(),
					resources: s.resources!,
					roomId: s.roomId,
					pinnedModelId: s.request.modelId,
					pinnedBy: 'room'
				});
				const where = await deps.placement?.(routing.modelId);
				update = { routing: where ? { ...routing, reasons: [...routing.reasons, where] } : routing, modelId: routing.modelId };
			} catch (err) {
				if (!(err instanceof RoutingError)) throw err;
				return { routing: null, modelId: null, error: { code: 'no_model', message: err.message } };
			}
		}
		if (!s.request.approvalGate) return update;
		const decision = interrupt({
			kind: 'approval',
			modelId: update.modelId,
			reasons: update.routing?.reasons ?? ['chosen by hand (direct mode)'],
			fallbacks: update.routing?.fallbacks ?? []
		}) as ApprovalDecision;
		return applyApproval(update, decision, s.sampling);
	};
