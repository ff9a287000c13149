// The router's choice: score = capability fit × quality × memory fit − swap cost, where memory fit mirrors the
// manager's admission (free budget, else evict idle models least recently used first) and the swap cost makes loaded
// models win near-ties and keeps one room from evicting the model another room is using. Runs that offer tools
// rank function-calling models first. Pure: same input, same decision.
import { capabilityFit, type Fit } from './routing-fit';
import { planMemory, swapCost } from './routing-memory';
import { toolReasons, toolsFirst } from './routing-tools';
import { round } from './routing-weights';
import type { RouteCandidate, RoutingDecision, RoutingInput, RoutingTableRow } from './types';

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

type ScoredRow = RoutingTableRow & { basis: Fit['basis']; loaded: boolean; tools: boolean };

function scoreCandidate(candidate: RouteCandidate, input: RoutingInput): ScoredRow {
	const fit = capabilityFit(candidate, input.analysis.task);
	const base = {
		modelId: candidate.id,
		capabilityFit: fit.capabilityFit,
		quality: fit.quality,
		basis: fit.basis,
		tools: candidate.tools ?? false,
		evicts: [] as string[]
	};
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
	const needsTools = input.analysis.needsTools ?? false;
	const scored = input.candidates.map((c) => scoreCandidate(c, input));
	const table: RoutingTableRow[] = scored.map(({ basis: _basis, loaded: _loaded, ...row }) => row);
	if (input.candidates.length === 0) throw new RoutingError('no_candidates', 'No models to route to: the catalogue is empty', table);

	// Best first (function callers first when the run offers tools); near-equal totals go to the loaded model, then
	// the smaller one, then by id for determinism.
	const ramOf = (id: string) => input.candidates.find((c) => c.id === id)!.estimatedRamBytes;
	const usable = scored
		.filter((r) => !r.excluded)
		.sort(
			(a, b) =>
				toolsFirst(needsTools, a, b) ||
				(Math.abs(b.total - a.total) > 1e-9
					? b.total - a.total
					: Number(b.loaded) - Number(a.loaded) || ramOf(a.modelId) - ramOf(b.modelId) || a.modelId.localeCompare(b.modelId))
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

	reasons.push(...toolReasons(needsTools, chosen, usable, scored));
	const bestQuality = Math.max(...usable.filter((r) => r.capabilityFit === 1).map((r) => r.quality));
	if (chosen.basis === task) reasons.push(`${chosen.quality >= bestQuality ? 'best' : 'good'} at ${task} (${chosen.quality})`);
	else if (chosen.basis === 'generic')
		reasons.push(`no usable model lists ${task} or a related ability: general fallback (${chosen.quality})`);
	else reasons.push(`no usable model lists ${task}: using its ${chosen.basis} ability (${chosen.quality} × ${chosen.capabilityFit})`);
	reasons.push(...chosen.notes);
	const fallbacks = usable.filter((r) => r !== chosen).map((r) => ({ modelId: r.modelId, score: r.total }));
	if (fallbacks[0] && chosen === usable[0] && chosen.total >= fallbacks[0].score)
		reasons.push(`ahead of ${fallbacks[0].modelId} (${chosen.total} vs ${fallbacks[0].score})`);
	// Name better-suited models that could not be used, so "why not X?" is answered.
	const chosenRaw = chosen.capabilityFit * chosen.quality;
	for (const r of scored) if (r.excluded && r.capabilityFit * r.quality > chosenRaw) reasons.push(`skipped ${r.modelId}: ${r.excluded}`);

	return { modelId: chosen.modelId, score: chosen.total, reasons, fallbacks, table };
}
