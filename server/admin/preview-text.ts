import type { AdminPreview } from '../../src/lib/contract/admin';
import type { EvictionPreview } from '../models/manager';
import { formatBytes } from '../models/model-errors';

/** "a", "a and b", "a, b and c" */
export function listNames(names: string[]): string {
	if (names.length <= 1) return names.join('');
	return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function footprint({ ramBytes, vramBytes }: { ramBytes: number; vramBytes: number }): string {
	return vramBytes > 0 ? `${formatBytes(ramBytes)} RAM + ${formatBytes(vramBytes)} VRAM` : `${formatBytes(ramBytes)} RAM`;
}

/** The eviction preview as one sentence an admin reads before loading a model. */
export function describePreview(p: EvictionPreview): string {
	if (p.loaded) return `${p.modelId} is already loaded; nothing changes.`;
	if (!p.fits) return `${p.modelId} cannot be loaded now: ${p.reason ?? 'it does not fit the budget'}.`;
	if (p.evicts.length === 0) return `Loading ${p.modelId} (${footprint(p.needs)}) fits without evicting anything.`;
	return `Loading ${p.modelId} (${footprint(p.needs)}) would evict ${listNames(p.evicts)}.`;
}

export function toAdminPreview(p: EvictionPreview): AdminPreview {
	return {
		modelId: p.modelId,
		loaded: p.loaded,
		fits: p.fits,
		needs: { ...p.needs },
		evicts: [...p.evicts],
		reason: p.reason ?? null,
		text: describePreview(p)
	};
}
