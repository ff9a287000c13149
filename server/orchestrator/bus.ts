import { EventEmitter } from 'node:events';
import type { RoomRunEvent } from '../../src/lib/contract/live';

export type { RoomRunEvent };

/**
 * The in-process publish/subscribe channel between the orchestrator and whoever watches runs (Socket.IO rooms,
 * SSE streams, metrics). The scale-out issue puts Redis behind the same two methods.
 */
export class RunBus {
	private readonly emitter = new EventEmitter<{ event: [RoomRunEvent] }>();

	constructor() {
		this.emitter.setMaxListeners(0); // one listener per SSE stream is normal
	}

	publish(event: RoomRunEvent): void {
		this.emitter.emit('event', event);
	}

	/** Returns the unsubscribe function. */
	subscribe(listener: (event: RoomRunEvent) => void): () => void {
		this.emitter.on('event', listener);
		return () => this.emitter.off('event', listener);
	}
}
