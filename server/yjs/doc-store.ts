import { EventEmitter } from 'node:events';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { readPromptSnapshot } from '../../src/lib/contract/yjs';
import type { Logger } from '../logger';
import type { YjsPersistence } from './persistence';
import { createUpdateWriter, type UpdateWriterOptions } from './update-writer';

/** A room's live document and the awareness (cursors) of everyone editing it. */
export interface RoomDoc {
	roomId: string;
	doc: Y.Doc;
	awareness: Awareness;
}

interface Entry {
	holders: number;
	ready: Promise<RoomDoc>;
	loaded?: RoomDoc;
	unloadTimer?: NodeJS.Timeout;
}

export interface YjsDocStoreEvents {
	/** A loaded document changed; `origin` is whatever applied it (a socket id for client updates). */
	update: [roomId: string, update: Uint8Array, origin: unknown];
}

export interface YjsDocStoreOptions extends UpdateWriterOptions {
	/** Keep a document this long after its last holder leaves, so a reload or quick reconnect does not reload it. */
	unloadGraceMs?: number;
}

// Origin of the transaction that applies stored updates: those must not be stored (or broadcast) again.
const LOADED_FROM_STORAGE = Symbol('loaded-from-storage');

/**
 * The documents this process has in memory. A room's document is loaded on first use, shared by every socket
 * editing it, and unloaded (after its pending updates are stored) when the last holder has been gone for the grace
 * period. Every change is queued to the batching writer.
 */
export function createYjsDocStore(persistence: YjsPersistence, log: Logger, options: YjsDocStoreOptions = {}) {
	const unloadGraceMs = options.unloadGraceMs ?? 5000;
	const writer = createUpdateWriter(persistence, log, options);
	const events = new EventEmitter<YjsDocStoreEvents>();
	const entries = new Map<string, Entry>();

	async function load(roomId: string): Promise<RoomDoc> {
		// An unload of this room may still be writing its last updates: wait, or we would load without them.
		await writer.flush(roomId);
		const updates = await persistence.loadUpdates(roomId);
		const doc = new Y.Doc({ gc: true });
		if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates), LOADED_FROM_STORAGE);
		doc.on('update', (update: Uint8Array, origin: unknown) => {
			writer.enqueue(roomId, update);
			events.emit('update', roomId, update, origin);
		});
		const awareness = new Awareness(doc);
		awareness.setLocalState(null); // the server has no cursor of its own
		return { roomId, doc, awareness };
	}

	function unload(roomId: string, entry: Entry) {
		entry.unloadTimer = undefined;
		if (entry.holders > 0 || entries.get(roomId) !== entry) return;
		entries.delete(roomId);
		if (entry.loaded) destroy(entry.loaded);
		writer.flush(roomId).catch((err) => log.error({ err, roomId }, 'flushing an unloaded Yjs document failed'));
	}

	function destroy(room: RoomDoc) {
		room.awareness.destroy(); // stops its outdated-state interval
		room.doc.destroy();
	}

	/** The room's document, loaded if needed; call `release` once for every `acquire`. */
	function acquire(roomId: string): Promise<RoomDoc> {
		let entry = entries.get(roomId);
		if (!entry) {
			const created: Entry = { holders: 0, ready: Promise.resolve(undefined as never) };
			created.ready = load(roomId).then((room) => (created.loaded = room));
			// A failed load must not stay cached: the next acquire tries again.
			created.ready.catch(() => entries.get(roomId) === created && entries.delete(roomId));
			entries.set(roomId, created);
			entry = created;
		}
		clearTimeout(entry.unloadTimer);
		entry.unloadTimer = undefined;
		entry.holders += 1;
		return entry.ready;
	}

	function release(roomId: string) {
		const entry = entries.get(roomId);
		if (!entry || entry.holders === 0) return;
		entry.holders -= 1;
		if (entry.holders === 0) entry.unloadTimer = setTimeout(() => unload(roomId, entry), unloadGraceMs);
	}

	return {
		events,
		acquire,
		release,

		/** The document if it is in memory now (no load). */
		loaded(roomId: string): RoomDoc | undefined {
			return entries.get(roomId)?.loaded;
		},

		/** The prompt text and settings a run starts from, loading the document briefly if nobody is editing it. */
		async snapshot(roomId: string) {
			const room = await acquire(roomId);
			try {
				return readPromptSnapshot(room.doc);
			} finally {
				release(roomId);
			}
		},

		loadedCount: () => entries.size,

		/** Stores every pending update now (e.g. before a backup or in tests). */
		flush: () => writer.flushAll(),

		/** On shutdown: store everything pending, then drop every document. */
		async close(): Promise<void> {
			for (const entry of entries.values()) clearTimeout(entry.unloadTimer);
			await writer.close();
			for (const entry of entries.values()) if (entry.loaded) destroy(entry.loaded);
			entries.clear();
		}
	};
}

export type YjsDocStore = ReturnType<typeof createYjsDocStore>;
