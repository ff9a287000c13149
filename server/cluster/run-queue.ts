// Runs as durable BullMQ jobs: any driver process takes a run's job and drives its LangGraph thread, checkpointing
// to PostgreSQL. If that process dies, its job's lock expires, BullMQ's stalled-job check hands the job to another
// driver, and that one continues the thread from its last checkpoint. A room's 'queue' policy holds across nodes
// through a Redis list per room: a run drives when it is at the head, and leaves the list when it stops moving.
import { randomBytes } from 'node:crypto';
import { Queue, Worker as QueueWorker, createNodeRedisClient, type Job } from 'bullmq';
import type { Logger } from '../logger';
import type { SchedulerHooks } from '../orchestrator/runner';
import type { RunScheduler, ScheduledRun } from '../orchestrator/scheduler';
import { safeJson, type RedisHub } from './redis';

const QUEUE = 'runs';
/** How often a run waiting for its turn looks at the head of its room's list. */
const TURN_POLL_MS = 50;

interface RunJob extends ScheduledRun {
	/** Set when a driver first takes the job: seeing it again means that driver died. */
	delivered?: boolean;
}

export interface ClusterSchedulerOptions {
	/** BullMQ lock of a run's job: a dead driver's runs move on after about twice this. */
	lockMs: number;
	/** This process drives runs (web and all); a worker-only process only schedules. */
	drives: boolean;
	/** Whether a run still holds a place in its room (queued or running): a head that does not is dropped. */
	holdsTurn(runId: string): Promise<boolean>;
}

export async function clusterScheduler(redis: RedisHub, logger: Logger, options: ClusterSchedulerOptions) {
	const producer = await redis.connect('runs-producer');
	const consumer = options.drives ? await redis.connect('runs-consumer') : undefined;
	const cancels = await redis.connect('run-cancels');
	const prefix = redis.key('bull');
	const cancelChannel = redis.key('run-cancel');
	const order = (roomId: string) => redis.key('room-order', roomId);

	return (hooks: SchedulerHooks): RunScheduler => {
		const queue = new Queue(QUEUE, { connection: createNodeRedisClient(producer), prefix });
		queue.on('error', (err) => logger.warn({ err }, 'runs queue error'));
		void cancels.subscribe(cancelChannel, (message) => {
			const request = safeJson(message) as { runId?: unknown; by?: string | null } | undefined;
			if (typeof request?.runId === 'string') hooks.abort(request.runId, request.by ?? null);
		});

		async function waitTurn(run: ScheduledRun, stop: AbortSignal): Promise<void> {
			while (!stop.aborted) {
				const head = await redis.commands.lIndex(order(run.roomId), 0);
				if (head === null || head === run.runId) return; // first in line (or the list was lost with Redis: go)
				// A head whose run stopped moving without leaving the list (its job was lost): drop it, or the room waits for ever.
				if (!(await options.holdsTurn(head))) await redis.commands.lRem(order(run.roomId), 1, head);
				else await new Promise((r) => setTimeout(r, TURN_POLL_MS));
			}
		}

		async function process(job: Job<RunJob>): Promise<void> {
			const run = job.data;
			const redelivered = run.delivered === true;
			if (!redelivered) await job.updateData({ ...run, delivered: true });
			try {
				await hooks.drive(run, { redelivered, waitTurn: run.policy === 'queue' ? (stop) => waitTurn(run, stop) : undefined });
			} finally {
				if (run.policy === 'queue') await redis.commands.lRem(order(run.roomId), 0, run.runId);
			}
		}

		const worker = consumer
			? new QueueWorker<RunJob>(QUEUE, process, {
					connection: createNodeRedisClient(consumer),
					prefix,
					// A run waiting for its room's turn holds a slot while it waits: room for many.
					concurrency: 256,
					lockDuration: options.lockMs,
					stalledInterval: options.lockMs,
					maxStalledCount: 3
				})
			: undefined;
		worker?.on('error', (err) => logger.warn({ err }, 'runs worker error'));
		worker?.on('failed', (job, err) => logger.error({ err, runId: job?.data.runId }, 'run job failed'));

		return {
			distributed: true,
			async schedule(run) {
				if (run.policy === 'queue' && !run.recovered) await redis.commands.rPush(order(run.roomId), run.runId);
				const job: RunJob = { ...run };
				await queue.add('run', job, {
					jobId: `${run.runId}-${randomBytes(6).toString('hex')}`,
					removeOnComplete: true,
					removeOnFail: 1000
				});
			},
			async requestCancel(runId, by) {
				await redis.commands.publish(cancelChannel, JSON.stringify({ runId, by }));
			},
			async close() {
				// Not `worker.close()` first: it waits for active jobs, and those end only when the driver aborts them.
				await Promise.allSettled([worker?.close(true), queue.close()]);
			}
		};
	};
}
