// How well a model suits the task: its own ability, a related one at a discount, or generic text.
import { GENERIC_FIT, UNSCORED_QUALITY, relatedCapabilities } from './routing-weights';
import type { Capability, RouteCandidate, TaskKind } from './types';

export interface Fit {
	capabilityFit: number;
	quality: number;
	/** The capability the quality comes from (the task itself, or a related one). */
	basis: Capability | 'generic';
}

export function capabilityFit(candidate: RouteCandidate, task: TaskKind): Fit {
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
