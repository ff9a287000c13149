// The admin console's view of the inference workers: each one's models, budget and load, and commands aimed at one
// worker or all. In a single process the process itself is the one worker, so the console reads the same either way.
import type { WorkerState } from '../../src/lib/contract/cluster';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import type { ClusterParts } from '../cluster/cluster';
import { describeWorker } from '../cluster/heartbeat';
import { runWorkerAction, type WorkerAction, type WorkerReply } from '../cluster/worker-commands';
import type { ModelService } from '../models/service';
import type { AdminService } from './admin.service';

export interface AdminWorkers {
	list(): Promise<{ clustered: boolean; workers: WorkerState[] }>;
	command(target: string, action: WorkerAction, modelId: string): Promise<Result<WorkerReply[]>>;
}

export function createAdminWorkers(deps: {
	admin: AdminService;
	models: ModelService;
	workerId: string;
	cluster?: Pick<ClusterParts, 'registry' | 'command'>;
}): AdminWorkers {
	const startedAt = Date.now();
	return {
		async list() {
			if (deps.cluster) return { clustered: true, workers: await deps.cluster.registry.list() };
			return { clustered: false, workers: [await describeWorker(deps.models, deps.workerId, startedAt)] };
		},
		async command(target, action, modelId) {
			if (deps.cluster) {
				const replies = await deps.cluster.command(target, action, modelId);
				if (replies.length === 0) return fail('not_found', target === 'all' ? 'No worker is running' : `No live worker ${target}`);
				return ok(replies);
			}
			if (target !== 'all' && target !== deps.workerId) return fail('not_found', `No live worker ${target}`);
			return ok([{ workerId: deps.workerId, result: await runWorkerAction(deps.admin, action, modelId) }]);
		}
	};
}
