import * as Y from 'yjs';
import type { Logger } from '../logger';
import type { YjsPersistence } from './persistence';

export interface UpdateWriterOptions {
	/** How long the first pending update of a room waits for others to join it in one row. */
	flushDelayMs?: number;
	/** Flush at once when a room's pending updates reach this many bytes. */
	maxPendingBytes?: number;
	/** After a failed write, retry this much later (the updates stay pending, nothing is dropped). */
	retryDelayMs?: number;
}

interface RoomQueue {
	pending: Uint8Array[];
	bytes: number;
	timer?: NodeJS.Timeout;
	/** The room's writes run one after another, so a flush can wait for the one before it. */
	chain: Promise<void>;
}

/**
 * Batches a room's updates so a burst of keystrokes becomes one stored row (merged with Y.mergeUpdates). The delay
 * runs from the first pending update, not the last, so steady typing is still written every `flushDelayMs`.
 */
export function createUpdateWriter(persistence: YjsPersistence, log: Logger, options: UpdateWriterOptions = {}) {
	const flushDelayMs = options.flushDelayMs ?? 500;
	const maxPendingBytes = options.maxPendingBytes ?? 256 * 1024;
	const retryDelayMs = options.retryDelayMs ?? 2000;
	const queues = new Map<string, RoomQueue>();
	let closed = false;

	function queueOf(roomId: string): RoomQueue {
		let queue = queues.get(roomId);
		if (!queue) {
			queue = { pending: [], bytes: 0, chain: Promise.resolve() };
			queues.set(roomId, queue);
		}
		return queue;
	}

	function schedule(roomId: string, queue: RoomQueue, delayMs: number) {
		if (queue.timer || closed) return;
		queue.timer = setTimeout(() => void flush(roomId), delayMs);
	}

	async function writeOut(roomId: string, queue: RoomQueue): Promise<void> {
		if (queue.pending.length === 0) return;
		const batch = queue.pending;
		queue.pending = [];
		queue.bytes = 0;
		const merged = batch.length === 1 ? batch[0] : Y.mergeUpdates(batch);
		try {
			await persistence.storeUpdate(roomId, merged);
		} catch (err) {
			log.error({ err, roomId, updates: batch.length }, 'storing Yjs updates failed; will retry');
			queue.pending.unshift(merged);
			queue.bytes += merged.byteLength;
			schedule(roomId, queue, retryDelayMs);
		}
	}

	/** Writes what the room has pending and waits for every earlier write of the room. */
	function flush(roomId: string): Promise<void> {
		const queue = queues.get(roomId);
		if (!queue) return Promise.resolve();
		clearTimeout(queue.timer);
		queue.timer = undefined;
		const done = queue.chain.then(() => writeOut(roomId, queue));
		queue.chain = done;
		return done.then(() => {
			// Forget an idle room so the map does not grow with every room ever edited.
			if (queue.chain === done && queue.pending.length === 0 && !queue.timer) queues.delete(roomId);
		});
	}

	return {
		enqueue(roomId: string, update: Uint8Array) {
			const queue = queueOf(roomId);
			queue.pending.push(update);
			queue.bytes += update.byteLength;
			if (queue.bytes >= maxPendingBytes) void flush(roomId);
			else schedule(roomId, queue, flushDelayMs);
		},
		flush,
		async flushAll(): Promise<void> {
			await Promise.all([...queues.keys()].map(flush));
		},
		/** Writes everything pending (once, no retries) and stops scheduling. */
		async close(): Promise<void> {
			closed = true;
			await Promise.all([...queues.keys()].map(flush));
		},
		pendingRooms: () => queues.size
	};
}

export type UpdateWriter = ReturnType<typeof createUpdateWriter>;
