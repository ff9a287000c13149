// A run's driver that falls behind the worker's text frames (its event loop busy fanning out to many viewers) must
// merge the frames waiting for it into one `tokens` event, not number and broadcast each in turn. Real Redis, a real
// BullMQ queue and the real RemoteInference; the worker's side is played by a BullMQ worker that publishes frames
// in one MULTI, so they reach the driver together, as they do when it has been busy for several frame intervals.
import { Worker as QueueWorker, createNodeRedisClient } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEventData, RunEventType } from '../../src/lib/contract/runs';
import { freshRedisPrefix } from '../../tests/helpers/redis';
import { silentLogger } from '../logger';
import type { RunContext } from '../orchestrator/run-context';
import { RemoteInference } from './inference-client';
import { inferenceNames, type OutgoingFrame } from './inference-protocol';
import { createRedisHub, type RedisHub } from './redis';
import { WorkerRegistry } from './workers';

const WORKER = 'w-burst';
const MODEL = 'sy-burst';
const METRICS = {
	queueWaitMs: 0,
	loadWaitMs: 0,
	timeToFirstTokenMs: 1,
	tokensPerSecond: 1,
	promptTokens: 1,
	completionTokens: 1,
	totalMs: 1
};

describe('text frames that reach a busy driver together', () => {
	const redis = freshRedisPrefix();
	let hub: RedisHub;
	let worker: QueueWorker;
	let inference: RemoteInference;
	/** The frames the next job answers with, each MULTI sent in one go. */
	let bursts: OutgoingFrame[][] = [];

	beforeAll(async () => {
		hub = await createRedisHub(redis, silentLogger());
		const registry = new WorkerRegistry(hub, silentLogger(), 60_000);
		const model = { id: MODEL, displayName: MODEL, capabilities: ['chat'], quality: {}, estimatedRamBytes: null, estimatedVramBytes: null };
		await registry.beat({
			id: WORKER,
			startedAt: Date.now(),
			at: Date.now(),
			budget: { ramBytes: 1e9, vramBytes: 0 },
			used: { ramBytes: 0, vramBytes: 0 },
			system: { freeRamBytes: 1e9, totalRamBytes: 2e9 },
			gpu: { available: false },
			activeSequences: 0,
			queueDepth: 0,
			models: [{ ...model, state: 'ready', ramBytes: 1, vramBytes: 0, leases: 0, queued: 0, pinned: false, lastUsedAt: 0 }]
		});
		const names = inferenceNames(hub);
		const connection = await hub.connect('burst-worker');
		worker = new QueueWorker(
			names.queue(WORKER),
			async (job) => {
				for (const burst of bursts) {
					const multi = hub.commands.multi();
					for (const frame of burst) multi.publish(names.frames(job.id!), JSON.stringify(frame));
					await multi.exec();
				}
			},
			{ connection: createNodeRedisClient(connection), prefix: names.bullPrefix }
		);
		await worker.waitUntilReady();
		inference = await RemoteInference.create(hub, registry, silentLogger(), 1000);
	});
	afterAll(async () => {
		await worker?.close();
		await inference?.close();
		await hub?.close();
		await redis.drop();
	});

	async function answer(frames: OutgoingFrame[][]) {
		bursts = frames;
		const events: { type: RunEventType; data: RunEventData[RunEventType] }[] = [];
		const ctx: RunContext = {
			runId: 'r-burst',
			roomId: 'room-burst',
			signal: new AbortController().signal,
			emit: (type, data) => void events.push({ type, data }),
			track: (work) => work
		};
		const record = await inference.executeOnModel({
			ctx,
			modelId: MODEL,
			messages: [{ role: 'user', content: 'hi' }],
			sampling: {} as never
		});
		return { events, record };
	}

	const text = (i: number, at?: number): OutgoingFrame => ({ t: 'text', text: `w${i} `, count: 2, ...(at !== undefined && { at }) });
	const done = (all: string): OutgoingFrame => ({ t: 'answer', text: all, finishReason: 'length', metrics: METRICS });

	it('become one tokens event holding all their text, newest producedAt, ahead of the answer', async () => {
		const burst = Array.from({ length: 40 }, (_, i) => text(i, 1000 + i));
		const all = burst.map((f) => (f as { text: string }).text).join('');
		const { events, record } = await answer([[...burst, done(all)]]);

		const tokens = events.filter((e) => e.type === 'tokens').map((e) => e.data as RunEventData['tokens']);
		expect(tokens).toHaveLength(1);
		expect(tokens[0]).toEqual({ modelId: MODEL, text: all, count: 80, producedAt: 1039 });
		expect(record.text).toBe(all);
	});

	it('still go out one event each when the driver keeps up', async () => {
		// Three bursts of one frame each: the driver has sent each before the next arrives.
		const { events } = await answer([[text(0)], [text(1)], [text(2)], [done('w0 w1 w2 ')]]);
		const tokens = events.filter((e) => e.type === 'tokens').map((e) => (e.data as RunEventData['tokens']).text);
		expect(tokens).toEqual(['w0 ', 'w1 ', 'w2 ']);
	});
});
