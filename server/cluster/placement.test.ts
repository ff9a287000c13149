import { describe, expect, it } from 'vitest';
import type { WorkerModel, WorkerState } from '../../src/lib/contract/cluster';
import { clusterCandidates, clusterResources, placeModel } from './placement';

const MB = 1024 * 1024;

function model(id: string, over: Partial<WorkerModel> = {}): WorkerModel {
	return {
		id,
		displayName: id,
		capabilities: ['chat'],
		quality: { chat: 0.5 },
		estimatedRamBytes: 100 * MB,
		estimatedVramBytes: 0,
		ramBytes: 0,
		vramBytes: 0,
		leases: 0,
		queued: 0,
		pinned: false,
		lastUsedAt: 0,
		...over
	};
}

function worker(id: string, usedMb: number, models: WorkerModel[], budgetMb = 512): WorkerState {
	return {
		id,
		startedAt: 0,
		at: 0,
		budget: { ramBytes: budgetMb * MB, vramBytes: 0 },
		used: { ramBytes: usedMb * MB, vramBytes: 0 },
		system: { freeRamBytes: 1024 * MB, totalRamBytes: 4096 * MB },
		gpu: { available: false },
		activeSequences: models.reduce((n, m) => n + m.leases, 0),
		queueDepth: 0,
		models
	};
}

describe('placeModel', () => {
	it('prefers the worker that holds the model over an empty one, and says so', () => {
		const workers = [worker('w-a', 0, [model('m')]), worker('w-b', 100, [model('m', { state: 'ready', ramBytes: 100 * MB, leases: 1 })])];
		expect(placeModel('m', workers)).toEqual({ workerId: 'w-b', score: 3, reason: 'worker w-b already holds it (1 running, 0 waiting)' });
	});

	it('among holders, the least loaded; without one, the worker with the most room', () => {
		const busy = model('m', { state: 'ready', ramBytes: 100 * MB, leases: 3 });
		const idle = model('m', { state: 'ready', ramBytes: 100 * MB, leases: 1 });
		expect(placeModel('m', [worker('w-a', 100, [busy]), worker('w-b', 100, [idle])])?.workerId).toBe('w-b');
		const roomy = placeModel('m', [worker('w-a', 300, [model('m')]), worker('w-b', 50, [model('m')])]);
		expect(roomy).toMatchObject({ workerId: 'w-b', score: 2 });
		expect(roomy?.reason).toMatch(/^worker w-b has room to load it \(462 MiB free, needs 100 MiB\)$/);
	});

	it('counts idle models as room after eviction, busy and pinned ones not', () => {
		const idle = model('other', { state: 'ready', ramBytes: 450 * MB });
		expect(placeModel('m', [worker('w-a', 450, [model('m'), idle])])).toMatchObject({
			score: 1,
			reason: 'worker w-a can load it after evicting idle models'
		});
		const pinned = model('other', { state: 'ready', ramBytes: 450 * MB, pinned: true });
		expect(placeModel('m', [worker('w-a', 450, [model('m'), pinned])])?.score).toBe(0);
	});

	it('skips workers that cannot serve the model or are excluded; none left is undefined', () => {
		const workers = [worker('w-a', 0, [model('other')]), worker('w-b', 0, [model('m')])];
		expect(placeModel('m', workers)?.workerId).toBe('w-b');
		expect(placeModel('m', workers, new Set(['w-b']))).toBeUndefined();
		expect(placeModel('m', [])).toBeUndefined();
	});
});

describe('the cluster as the router sees it', () => {
	it('offers every model some worker serves, and counts a model loaded anywhere as loaded', () => {
		const workers = [
			worker('w-a', 0, [model('m'), model('n', { estimatedRamBytes: null })]),
			worker('w-b', 200, [model('m', { state: 'ready', ramBytes: 200 * MB })])
		];
		expect(clusterCandidates(workers).map((c) => [c.id, c.estimatedRamBytes])).toEqual([
			['m', 100 * MB],
			['n', Number.MAX_SAFE_INTEGER]
		]);
		// Whether a model calls functions travels in the heartbeat; an older worker that does not say means no.
		const callers = clusterCandidates([worker('w-a', 0, [model('m', { tools: true }), model('n')])]);
		expect(callers.map((c) => [c.id, c.tools])).toEqual([
			['m', true],
			['n', false]
		]);
		const resources = clusterResources(workers, 2, { m: ['room-1'] });
		expect(resources.models.map((m) => [m.id, m.state])).toEqual([['m', 'ready']]);
		expect(resources.budget.ramBytes - resources.used.ramBytes).toBe(512 * MB); // the roomiest worker's
		expect(resources.activeRuns).toBe(2);
	});
});
