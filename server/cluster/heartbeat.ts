import os from 'node:os';
import type { WorkerModel, WorkerState } from '../../src/lib/contract/cluster';
import type { Logger } from '../logger';
import type { ModelService } from '../models/service';
import type { WorkerRegistry } from './workers';

/** This worker's state as the cluster sees it: every model it can serve, with its estimate and cache status. */
export async function describeWorker(models: ModelService, id: string, startedAt: number): Promise<WorkerState> {
	const cache = new Map(models.manager.status().map((m) => [m.id, m]));
	const served = await Promise.all(
		models
			.list()
			.filter((m) => m.present)
			.map(async (m): Promise<WorkerModel> => {
				const [estimate, tools] = await Promise.all([models.estimate(m.id)?.catch(() => undefined), models.callsFunctions(m.id)]);
				const cached = cache.get(m.id);
				return {
					id: m.id,
					displayName: m.displayName,
					capabilities: m.capabilities,
					quality: m.quality,
					tools,
					estimatedRamBytes: estimate ? Math.round(estimate.ramBytes) : null,
					estimatedVramBytes: estimate ? Math.round(estimate.vramBytes) : null,
					state: cached?.state,
					ramBytes: cached?.ramBytes ?? 0,
					vramBytes: cached?.vramBytes ?? 0,
					leases: cached?.leases ?? 0,
					queued: cached?.queued ?? 0,
					pinned: cached?.pinned ?? false,
					lastUsedAt: cached?.lastUsedAt ?? 0
				};
			})
	);
	const status = [...cache.values()];
	const budget = models.manager.getBudget();
	const used = models.manager.used();
	return {
		id,
		startedAt,
		at: Date.now(),
		budget: { ramBytes: Math.round(budget.ramBytes), vramBytes: Math.round(budget.vramBytes) },
		used: { ramBytes: Math.round(used.ramBytes), vramBytes: Math.round(used.vramBytes) },
		system: { freeRamBytes: os.freemem(), totalRamBytes: os.totalmem() },
		gpu: { available: budget.vramBytes > 0 },
		activeSequences: status.reduce((n, m) => n + m.leases, 0),
		queueDepth: status.reduce((n, m) => n + m.queued, 0),
		models: served
	};
}

/** Writes this worker's state now and every `intervalMs`; stop() leaves the registry at once. */
export function startHeartbeat(deps: {
	registry: WorkerRegistry;
	models: ModelService;
	workerId: string;
	intervalMs: number;
	logger: Logger;
}) {
	const startedAt = Date.now();
	let failing = false;
	const beat = async () => {
		try {
			await deps.registry.beat(await describeWorker(deps.models, deps.workerId, startedAt));
			if (failing) deps.logger.info('heartbeat restored');
			failing = false;
		} catch (err) {
			if (!failing) deps.logger.warn({ err }, 'heartbeat failed (retrying)');
			failing = true;
		}
	};
	// Also on every cache change, so the router sees a load or an eviction before the next beat.
	// One state write at a time; liveness (touch) every interval regardless, so a slow state (estimating a model,
	// a load in progress) never makes a busy worker look dead.
	let writing: Promise<void> | undefined;
	const write = () => (writing ??= beat().finally(() => (writing = undefined)));
	const onChange = () => void write();
	for (const e of ['loaded', 'evicted', 'unloaded', 'failed'] as const) deps.models.manager.on(e, onChange);
	const timer = setInterval(() => {
		deps.registry.touch(deps.workerId).catch(() => {});
		void write();
	}, deps.intervalMs);
	return {
		first: write(),
		async stop() {
			clearInterval(timer);
			for (const e of ['loaded', 'evicted', 'unloaded', 'failed'] as const) deps.models.manager.off(e, onChange);
			await deps.registry.leave(deps.workerId).catch(() => {});
		}
	};
}
