import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import { MemoryRunBus, type EventOrigin, type RoomRunEvent, type RunBus } from '../orchestrator/bus';
import { safeJson, type RedisHub } from './redis';

interface Envelope {
	/** The node that published it: its own listeners already had it. */
	node: string;
	event: RoomRunEvent;
}

/**
 * The run bus across a cluster: one Redis pub/sub channel carries every run event to every node, one message per
 * event (a token frame is one event). Local listeners get an event at once; other nodes' listeners when it arrives.
 * Pub/sub is enough here: the durable copy is the run's event log in PostgreSQL, and a viewer that misses a frame
 * (a Redis restart) sees a gap in seq and replays it from there.
 */
export class RedisRunBus implements RunBus {
	private readonly local = new MemoryRunBus();
	private readonly node = randomUUID();
	private readonly channel: string;
	private failing = false;

	private constructor(
		private readonly redis: RedisHub,
		private readonly logger: Logger
	) {
		this.channel = redis.key('run-events');
	}

	static async create(redis: RedisHub, logger: Logger): Promise<RedisRunBus> {
		const bus = new RedisRunBus(redis, logger);
		const subscriber = await redis.connect('run-bus');
		await subscriber.subscribe(bus.channel, (message) => bus.received(message));
		return bus;
	}

	publish(event: RoomRunEvent): void {
		this.local.publish(event);
		const envelope: Envelope = { node: this.node, event };
		this.redis.commands.publish(this.channel, JSON.stringify(envelope)).then(
			() => {
				this.failing = false;
			},
			(err: unknown) => {
				if (!this.failing) this.logger.warn({ err }, 'could not publish run events to the cluster (viewers elsewhere will replay)');
				this.failing = true;
			}
		);
	}

	subscribe(listener: (event: RoomRunEvent, origin: EventOrigin) => void): () => void {
		return this.local.subscribe(listener);
	}

	private received(message: string): void {
		const envelope = safeJson(message) as Envelope | undefined;
		if (!envelope) return void this.logger.error('a run-events message that is not JSON: dropped');
		if (envelope.node !== this.node) this.local.deliverRemote(envelope.event);
	}
}
