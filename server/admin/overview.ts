import type { AdminModel, CacheStats } from '../../src/lib/contract/admin';
import type { ModelStatus } from '../models/manager';
import type { ModelInfo } from '../models/service';

export interface ModelSettings {
	/** Pins and keep-alive overrides set through the admin API, for models that are not loaded right now. */
	pinned: ReadonlySet<string>;
	keepAliveMs: ReadonlyMap<string, number | null>;
	defaultKeepAliveMs: number | null;
	downloadSizes: ReadonlyMap<string, number>;
}

/** Every listed model (catalogue and discovered) joined with the cache's status; loaded models first, then by id. */
export function joinModels(listed: ModelInfo[], status: ModelStatus[], settings: ModelSettings): AdminModel[] {
	const byId = new Map(status.map((s) => [s.id, s]));
	const rows: AdminModel[] = listed.map((m) => row(m, byId.get(m.id), settings));
	for (const s of status) {
		if (!listed.some((m) => m.id === s.id)) {
			rows.push(
				row(
					{
						id: s.id,
						displayName: s.id,
						present: false,
						origin: 'loaded',
						capabilities: [],
						quality: {},
						parameters: '?',
						quantization: '?',
						contextSize: 0,
						generated: false
					},
					s,
					settings
				)
			);
		}
	}
	const rank = (m: AdminModel) => (m.state === 'unloaded' ? 1 : 0);
	return rows.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

function row(
	m: Omit<ModelInfo, 'origin'> & { origin: AdminModel['origin'] },
	s: ModelStatus | undefined,
	settings: ModelSettings
): AdminModel {
	return {
		id: m.id,
		displayName: m.displayName,
		origin: m.origin,
		present: m.present,
		generated: m.generated,
		parameters: m.parameters,
		quantization: m.quantization,
		contextSize: m.contextSize,
		capabilities: m.capabilities,
		sizeBytes: m.sizeBytes ?? null,
		downloadSizeBytes: settings.downloadSizes.get(m.id) ?? null,
		problem: m.problem ?? null,
		quarantine: m.quarantine ?? null,
		state: s?.state ?? 'unloaded',
		ramBytes: s?.ramBytes ?? 0,
		vramBytes: s?.vramBytes ?? 0,
		leases: s?.leases ?? 0,
		queued: s?.queued ?? 0,
		pinned: s?.pinned ?? settings.pinned.has(m.id),
		keepAliveMs: s ? s.keepAliveMs : settings.keepAliveMs.has(m.id) ? settings.keepAliveMs.get(m.id)! : settings.defaultKeepAliveMs,
		lastUsedAt: s?.lastUsedAt ?? null,
		loadMs: s?.loadMs ?? null,
		strategy: s?.strategy ?? null
	};
}

export function cacheStats(stats: Omit<CacheStats, 'averageLoadMs'>): CacheStats {
	return { ...stats, averageLoadMs: stats.loads > 0 ? stats.loadMsTotal / stats.loads : null };
}
