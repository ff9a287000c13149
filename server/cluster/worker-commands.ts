// Admin commands aimed at one worker or all of them: a request on the target's Redis channel, one reply per worker
// that ran it. PUBLISH answers how many workers heard the request, so a command to all knows how many replies to
// wait for. Each worker runs the command on its own model cache through its AdminService.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fail, type Result } from '../../src/lib/contract/result';
import type { AdminService } from '../admin/admin.service';
import type { Logger } from '../logger';
import { safeJson, type RedisHub } from './redis';

export const WORKER_ACTIONS = ['preload', 'unload', 'pin', 'unpin'] as const;
export type WorkerAction = (typeof WORKER_ACTIONS)[number];

const requestSchema = z.object({ requestId: z.uuid(), action: z.enum(WORKER_ACTIONS), modelId: z.string().min(1).max(200) });
const replySchema = z.object({
	workerId: z.string(),
	result: z.custom<Result<unknown>>((r) => typeof r === 'object' && r !== null && 'ok' in r)
});

export interface WorkerReply {
	workerId: string;
	result: Result<unknown>;
}

const channels = (redis: RedisHub) => ({
	requests: (target: string) => redis.key('worker-command', target),
	replies: (requestId: string) => redis.key('worker-reply', requestId)
});

/** Runs one admin action on this process's model cache. */
export function runWorkerAction(admin: AdminService, action: WorkerAction, modelId: string): Promise<Result<unknown>> {
	switch (action) {
		case 'preload':
			return admin.preload(modelId);
		case 'unload':
			return admin.unload(modelId);
		case 'pin':
			return admin.pin(modelId);
		case 'unpin':
			return admin.unpin(modelId);
	}
}

/** On a worker: answers commands sent to it by id and to all workers. */
export async function serveWorkerCommands(redis: RedisHub, workerId: string, admin: AdminService, logger: Logger): Promise<void> {
	const names = channels(redis);
	const subscriber = await redis.connect('worker-commands');
	const onRequest = (message: string) => {
		const parsed = requestSchema.safeParse(safeJson(message));
		if (!parsed.success) return void logger.warn('a worker command that does not match the schema: ignored');
		const { requestId, action, modelId } = parsed.data;
		void runWorkerAction(admin, action, modelId)
			.catch((err: unknown): Result<unknown> => {
				logger.error({ err, action, modelId }, 'worker command failed');
				return fail('internal', 'The worker failed to run the command');
			})
			.then((result) => redis.commands.publish(names.replies(requestId), JSON.stringify({ workerId, result } satisfies WorkerReply)));
	};
	await subscriber.subscribe([names.requests(workerId), names.requests('all')], onRequest);
}

/** Sends a command to a worker (or 'all') and resolves with every reply, or what came back within `timeoutMs`. */
export async function sendWorkerCommand(
	redis: RedisHub,
	target: string,
	action: WorkerAction,
	modelId: string,
	timeoutMs = 60_000
): Promise<WorkerReply[]> {
	const names = channels(redis);
	const requestId = randomUUID();
	const subscriber = await redis.connect(`worker-replies-${requestId.slice(0, 8)}`);
	const replies: WorkerReply[] = [];
	try {
		let expected = Number.POSITIVE_INFINITY;
		let done!: () => void;
		const finished = new Promise<void>((resolve) => (done = resolve));
		await subscriber.subscribe(names.replies(requestId), (message) => {
			const parsed = replySchema.safeParse(safeJson(message));
			if (parsed.success) replies.push(parsed.data);
			if (replies.length >= expected) done();
		});
		expected = await redis.commands.publish(names.requests(target), JSON.stringify({ requestId, action, modelId }));
		if (expected === 0 || replies.length >= expected) return replies;
		const timer = setTimeout(done, timeoutMs);
		await finished;
		clearTimeout(timer);
		return replies;
	} finally {
		await subscriber.close().catch(() => {});
	}
}
