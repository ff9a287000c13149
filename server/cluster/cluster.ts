// A process's part in a cluster, built once by the app context when REDIS_URL is set: the run bus, the run
// scheduler, the worker registry, remote inference for the graph, and, on workers, the inference consumer with its
// heartbeat. Without REDIS_URL none of this exists and every seam stays in memory.
import type { AdminService } from '../admin/admin.service';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ModelService } from '../models/service';
import type { GraphDeps } from '../orchestrator/graph';
import type { RunsRepository } from '../orchestrator/runs.repository';
import { publishCacheEvents, subscribeCacheEvents, type CacheEventListener } from './cache-events';
import { startHeartbeat } from './heartbeat';
import { RemoteInference } from './inference-client';
import { startInferenceWorker, type InferenceWorker } from './inference-worker';
import { clusterCandidates, clusterResources, placeModel } from './placement';
import type { RedisHub } from './redis';
import { RedisRunBus } from './run-bus';
import { clusterScheduler } from './run-queue';
import { sendWorkerCommand, serveWorkerCommands, type WorkerAction, type WorkerReply } from './worker-commands';
import { WorkerRegistry } from './workers';

export interface ClusterParts {
	bus: RedisRunBus;
	registry: WorkerRegistry;
	scheduler: Awaited<ReturnType<typeof clusterScheduler>>;
	/** The graph's model capabilities, served by the workers. */
	nodeDeps(local: { activeRuns(): number; roomsByModel(): Record<string, string[]> }): GraphDeps['override'];
	/** Why no worker can run a model now, or undefined when one can. */
	modelProblem(modelId: string): Promise<{ code: 'not_found'; message: string } | undefined>;
	/** Starts serving inference here (role worker or all), with the admin commands aimed at this worker. */
	serveInference(models: ModelService, admin: AdminService): Promise<void>;
	/** An admin action on one worker's cache (or 'all'), answered by each worker that ran it. */
	command(target: string, action: WorkerAction, modelId: string): Promise<WorkerReply[]>;
	/** Every worker's `cache:*` events, for the admins' sockets of this node. */
	cacheEvents(listener: CacheEventListener): Promise<void>;
	close(): Promise<void>;
}

export async function joinCluster(config: Config, redis: RedisHub, runs: RunsRepository, logger: Logger): Promise<ClusterParts> {
	const { cluster } = config;
	// Five missed beats (at least 1.5 s) before a worker counts as gone: a busy event loop delays a beat, and a false
	// alarm restarts an answer that was going well.
	const registry = new WorkerRegistry(redis, logger.child({ component: 'workers' }), Math.max(cluster.heartbeatMs * 5, 1500));
	const bus = await RedisRunBus.create(redis, logger.child({ component: 'run-bus' }));
	const remote = await RemoteInference.create(redis, registry, logger.child({ component: 'inference' }), cluster.heartbeatMs);
	const scheduler = await clusterScheduler(redis, logger.child({ component: 'run-queue' }), {
		lockMs: cluster.runLockMs,
		drives: cluster.role !== 'worker',
		async holdsTurn(runId) {
			const run = await runs.get(runId);
			return run?.status === 'queued' || run?.status === 'running';
		}
	});
	let worker: InferenceWorker | undefined;
	let heartbeat: ReturnType<typeof startHeartbeat> | undefined;
	let stopCacheEvents: (() => void) | undefined;

	return {
		bus,
		registry,
		scheduler,
		nodeDeps: (local) => ({
			executeOnModel: (input) => remote.executeOnModel(input),
			askModelForJson: (modelId, messages, schema, options) => remote.askModelForJson(modelId, messages, schema, options),
			resources: async () => clusterResources(await registry.list(), local.activeRuns(), local.roomsByModel()),
			candidates: async () => clusterCandidates(await registry.list()),
			placement: async (modelId) => placeModel(modelId, await registry.list())?.reason
		}),
		async modelProblem(modelId) {
			const served = (await registry.list()).some((w) => w.models.some((m) => m.id === modelId));
			return served ? undefined : { code: 'not_found', message: `No live worker serves the model ${modelId}` };
		},
		command: (target, action, modelId) => sendWorkerCommand(redis, target, action, modelId),
		cacheEvents: (listener) => subscribeCacheEvents(redis, listener),
		async serveInference(models, admin) {
			await serveWorkerCommands(redis, cluster.workerId, admin, logger.child({ component: 'worker-commands' }));
			stopCacheEvents = publishCacheEvents(redis, models.manager, cluster.workerId);
			worker = await startInferenceWorker({
				redis,
				models,
				workerId: cluster.workerId,
				logger: logger.child({ component: 'inference-worker' })
			});
			heartbeat = startHeartbeat({
				registry,
				models,
				workerId: cluster.workerId,
				intervalMs: cluster.heartbeatMs,
				logger: logger.child({ component: 'heartbeat' })
			});
			await heartbeat.first;
		},
		async close() {
			stopCacheEvents?.();
			await heartbeat?.stop();
			await worker?.close();
			await remote.close();
		}
	};
}
