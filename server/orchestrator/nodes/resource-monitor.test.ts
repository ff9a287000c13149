import { describe, expect, it } from 'vitest';
import { GiB, modelStatus } from './fixtures/resources';
import { snapshotResources } from './resource-monitor';
import type { ResourceInput } from './types';

const base: ResourceInput = {
	models: [],
	budget: { ramBytes: 8 * GiB, vramBytes: 0 },
	used: { ramBytes: 0, vramBytes: 0 },
	system: { freeRamBytes: 32 * GiB, totalRamBytes: 64 * GiB },
	gpu: { available: false },
	queueDepth: 0,
	activeRuns: 0
};

describe('snapshotResources', () => {
	it('computes the free budget and floors it at zero', () => {
		expect(snapshotResources({ ...base, used: { ramBytes: 3 * GiB, vramBytes: 0 } }).freeBudgetBytes).toEqual({
			ramBytes: 5 * GiB,
			vramBytes: 0
		});
		expect(snapshotResources({ ...base, used: { ramBytes: 9 * GiB, vramBytes: 1 } }).freeBudgetBytes).toEqual({
			ramBytes: 0,
			vramBytes: 0
		});
	});

	it('lists loaded, loading and busy models with the rooms using them', () => {
		const snapshot = snapshotResources({
			...base,
			models: [
				modelStatus('idle', { lastUsedAt: 5 }),
				modelStatus('busy', { leases: 2, queued: 1, lastUsedAt: 9 }),
				modelStatus('warming', { state: 'loading', lastUsedAt: 7 })
			],
			leasesByRoom: { busy: ['room-b', 'room-a', 'room-b'], idle: ['room-c'] }
		});
		expect(snapshot.loadedModelIds).toEqual(['busy', 'idle']);
		expect(snapshot.loadingModelIds).toEqual(['warming']);
		expect(snapshot.busyModels).toEqual([
			{ modelId: 'busy', leases: 2, queued: 1, rooms: ['room-a', 'room-b'] },
			{ modelId: 'warming', leases: 0, queued: 0, rooms: [] }
		]);
		expect(snapshot.models.find((m) => m.id === 'idle')).toMatchObject({ busy: false, evictable: true, rooms: ['room-c'] });
	});

	it('orders models least recently used first and never marks busy or pinned ones evictable', () => {
		const snapshot = snapshotResources({
			...base,
			models: [
				modelStatus('c', { lastUsedAt: 30 }),
				modelStatus('a', { lastUsedAt: 10, pinned: true }),
				modelStatus('b', { lastUsedAt: 20, leases: 1 })
			]
		});
		expect(snapshot.models.map((m) => m.id)).toEqual(['a', 'b', 'c']);
		expect(snapshot.models.map((m) => m.evictable)).toEqual([false, false, true]);
	});

	it('warns when the machine has less free RAM than the budget promises', () => {
		const tight = snapshotResources({ ...base, system: { freeRamBytes: 2 * GiB, totalRamBytes: 64 * GiB } });
		expect(tight.warnings.some((w) => w.includes('free RAM'))).toBe(true);
		expect(snapshotResources(base).warnings).toEqual([]);
	});

	it('reports RAM pressure and GPU state', () => {
		const snapshot = snapshotResources({
			...base,
			budget: { ramBytes: 1 * GiB, vramBytes: 4 * GiB },
			system: { freeRamBytes: 4 * GiB, totalRamBytes: 64 * GiB },
			gpu: { available: true, freeVramBytes: 6 * GiB, totalVramBytes: 8 * GiB }
		});
		expect(snapshot.system.usedFraction).toBeCloseTo(0.938, 3);
		expect(snapshot.warnings).toEqual(['system RAM 94% used']);
		expect(snapshot.gpu).toEqual({ available: true, freeVramBytes: 6 * GiB, totalVramBytes: 8 * GiB });
		expect(snapshotResources({ ...base, budget: { ramBytes: GiB, vramBytes: GiB } }).warnings).toContain(
			'no GPU available: the VRAM budget is unused'
		);
	});

	it('produces plain JSON (it goes into graph state and over the socket)', () => {
		const snapshot = snapshotResources({ ...base, models: [modelStatus('a')] });
		expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
	});
});
