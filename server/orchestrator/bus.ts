import { EventEmitter } from 'node:events';
import type { RoomRunEvent } from '../../src/lib/contract/live';

export type { RoomRunEvent };

/** Where an event was published: in this process, or by another node of the cluster. */
export type EventOrigin = 'local' | 'remote';

/**
 * The publish/subscribe channel between whoever drives runs and whoever watches them (each node's Socket.IO rooms,
 * SSE streams, metrics). Two implementations: MemoryRunBus (one process) and RedisRunBus (server/cluster), which
 * hands every event to every node of the cluster, so each node fans out to its own sockets.
 */
export interface RunBus {
	publish(event: RoomRunEvent): void;
	/** Returns the unsubscribe function. Listeners see local events at once and remote ones as they arrive. */
	subscribe(listener: (event: RoomRunEvent, origin: EventOrigin) => void): () => void;
}

export class MemoryRunBus implements RunBus {
	private readonly emitter = new EventEmitter<{ event: [RoomRunEvent, EventOrigin] }>();

	constructor() {
		this.emitter.setMaxListeners(0); // one listener per SSE stream is normal
	}

	publish(event: RoomRunEvent): void {
		this.emitter.emit('event', event, 'local');
	}

	/** For RedisRunBus: an event another node published. */
	deliverRemote(event: RoomRunEvent): void {
		this.emitter.emit('event', event, 'remote');
	}

	subscribe(listener: (event: RoomRunEvent, origin: EventOrigin) => void): () => void {
		this.emitter.on('event', listener);
		return () => this.emitter.off('event', listener);
	}
}
