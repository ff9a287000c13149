import * as Y from 'yjs';

interface RoomBatch {
	updates: Uint8Array[];
	origins: Set<unknown>;
	timer?: NodeJS.Timeout;
	lastSentAt: number;
}

/**
 * Coalesces a room's document updates into at most one broadcast per window (~a frame): sent at once when the room
 * is idle, merged with Y.mergeUpdates when many editors type together. Twenty editors then cost each client a
 * message per frame instead of one per keystroke of every other editor.
 */
export class UpdateBroadcaster {
	private readonly rooms = new Map<string, RoomBatch>();

	constructor(
		/** `origin` is the only source of the update(s), so the broadcast can skip it; undefined when mixed. */
		private readonly send: (roomId: string, update: Uint8Array, origin: unknown) => void,
		private readonly windowMs = 16,
		private readonly now: () => number = Date.now
	) {}

	push(roomId: string, update: Uint8Array, origin: unknown) {
		let batch = this.rooms.get(roomId);
		if (!batch) this.rooms.set(roomId, (batch = { updates: [], origins: new Set(), lastSentAt: Number.NEGATIVE_INFINITY }));
		const sinceLast = this.now() - batch.lastSentAt;
		if (!batch.timer && sinceLast >= this.windowMs) {
			batch.lastSentAt = this.now();
			this.send(roomId, update, origin);
			return;
		}
		batch.updates.push(update);
		batch.origins.add(origin);
		batch.timer ??= setTimeout(() => this.flush(roomId), Math.max(0, this.windowMs - sinceLast));
	}

	/** Drops a room's state (its last editor left); anything pending has nobody left to go to. */
	forget(roomId: string) {
		clearTimeout(this.rooms.get(roomId)?.timer);
		this.rooms.delete(roomId);
	}

	close() {
		for (const roomId of [...this.rooms.keys()]) this.forget(roomId);
	}

	private flush(roomId: string) {
		const batch = this.rooms.get(roomId);
		if (!batch) return;
		batch.timer = undefined;
		if (batch.updates.length === 0) return;
		const merged = batch.updates.length === 1 ? batch.updates[0] : Y.mergeUpdates(batch.updates);
		const origin = batch.origins.size === 1 ? [...batch.origins][0] : undefined;
		batch.updates = [];
		batch.origins.clear();
		batch.lastSentAt = this.now();
		this.send(roomId, merged, origin);
	}
}
