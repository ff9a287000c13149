import { EventEmitter } from 'node:events';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { readPromptSnapshot } from '../../src/lib/contract/yjs';
import type { Logger } from '../logger';
import { applyPeerMessage, askPeers, FROM_PEER } from './peer-sync';
import type { YjsPersistence } from './persistence';
import { localYjsRelay, type RelayMessage, type YjsRelay } from './relay';
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
	/** Messages from other nodes that arrived while the document was still loading. */
	early: { message: RelayMessage; from: string }[];
	/** Another node's answer to our query arrived. */
	answered: () => void;
	/** Changes from other nodes were applied: stored as one snapshot on unload, in case their node died unstored. */
	peerChanges: boolean;
}

export interface YjsDocStoreEvents {
	/** A loaded document changed; `origin` is whatever applied it (a socket id for client updates). */
	update: [roomId: string, update: Uint8Array, origin: unknown];
	/** Awareness changes from another node's clients, to show to this node's sockets. */
	awareness: [roomId: string, update: Uint8Array];
}

export interface YjsDocStoreOptions extends UpdateWriterOptions {
	/** Keep a document this long after its last holder leaves, so a reload or quick reconnect does not reload it. */
	unloadGraceMs?: number;
	/** On load in a cluster, wait at most this long for another node's answer (its unstored edits). */
	peerAnswerWaitMs?: number;
}

// Origin of the transaction that applies stored updates: those must not be stored (or broadcast) again.
const LOADED_FROM_STORAGE = Symbol('loaded-from-storage');

/**
 * The documents this process has in memory. A room's document is loaded on first use, shared by every socket
 * editing it, and unloaded (after its pending updates are stored) when the last holder has been gone for the grace
 * period. Every change is queued to the batching writer.
 */
export function createYjsDocStore(
	persistence: YjsPersistence,
	log: Logger,
	options: YjsDocStoreOptions = {},
	/** The other nodes' copies (server/cluster/yjs-relay.ts); none in a single process. */
	relay: YjsRelay = localYjsRelay()
) {
	const unloadGraceMs = options.unloadGraceMs ?? 5000;
	const peerAnswerWaitMs = options.peerAnswerWaitMs ?? 200;
	const writer = createUpdateWriter(persistence, log, options);
	const events = new EventEmitter<YjsDocStoreEvents>();
	const entries = new Map<string, Entry>();

	async function load(roomId: string, entry: Entry): Promise<RoomDoc> {
		// Listen before reading the database: an edit another node publishes in between is heard, not lost.
		await relay.subscribe(roomId, (message, from) => onPeerMessage(roomId, message, from));
		try {
			// An unload of this room may still be writing its last updates: wait, or we would load without them.
			await writer.flush(roomId);
			const updates = await persistence.loadUpdates(roomId);
			const doc = new Y.Doc({ gc: true });
			if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates), LOADED_FROM_STORAGE);
			doc.on('update', (update: Uint8Array, origin: unknown) => {
				if (origin === FROM_PEER) entry.peerChanges = true;
				else {
					writer.enqueue(roomId, update);
					relay.publish(roomId, { kind: 'update', update });
				}
				events.emit('update', roomId, update, origin);
			});
			const awareness = new Awareness(doc);
			awareness.setLocalState(null); // the server has no cursor of its own
			const room = (entry.loaded = { roomId, doc, awareness });
			for (const { message, from } of entry.early.splice(0)) onPeerMessage(roomId, message, from);
			if (await relay.othersListening(roomId)) {
				// Another node's last edits may still wait in its write batch: ask for them before anyone reads this copy
				// (as Hocuspocus's Redis extension does; with nobody else holding the document, nothing to wait for).
				const query = askPeers(room, relay, peerAnswerWaitMs);
				entry.answered = query.answered;
				await query.done;
			}
			return room;
		} catch (err) {
			await relay.unsubscribe(roomId).catch(() => {});
			throw err;
		}
	}

	function onPeerMessage(roomId: string, message: RelayMessage, from: string) {
		const entry = entries.get(roomId);
		if (!entry) return;
		if (!entry.loaded) return void entry.early.push({ message, from });
		try {
			const awareness = applyPeerMessage(entry.loaded, relay, message, from, () => entry.answered());
			if (awareness) events.emit('awareness', roomId, awareness);
		} catch (err) {
			log.warn({ err, roomId, kind: message.kind }, 'ignoring a Yjs message from another node that does not apply');
		}
	}

	/** What other nodes changed here may not be stored yet if their node died: store this copy once (idempotent). */
	function storeSnapshotIfPeersChanged(entry: Entry) {
		if (entry.loaded && entry.peerChanges) writer.enqueue(entry.loaded.roomId, Y.encodeStateAsUpdate(entry.loaded.doc));
	}

	// Missed messages while Redis was away: ask again for every document held here (answers repair the gaps).
	relay.onReconnected(() => {
		for (const entry of entries.values()) if (entry.loaded) askPeers(entry.loaded, relay, 0);
	});

	function unload(roomId: string, entry: Entry) {
		entry.unloadTimer = undefined;
		if (entry.holders > 0 || entries.get(roomId) !== entry) return;
		entries.delete(roomId);
		storeSnapshotIfPeersChanged(entry);
		if (entry.loaded) destroy(entry.loaded);
		relay.unsubscribe(roomId).catch((err) => log.warn({ err, roomId }, 'leaving a Yjs relay channel failed'));
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
			const created: Entry = { holders: 0, ready: Promise.resolve(undefined as never), early: [], answered: () => {}, peerChanges: false };
			created.ready = load(roomId, created);
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
		/** Awareness changes of this node's clients, for the other nodes' copies (throttled by the caller). */
		publishAwareness(roomId: string, update: Uint8Array) {
			if (entries.get(roomId)?.loaded) relay.publish(roomId, { kind: 'awareness', update });
		},

		/** Stores every pending update now (e.g. before a backup or in tests). */
		flush: () => writer.flushAll(),

		/** On shutdown: store everything pending, then drop every document. */
		async close(): Promise<void> {
			for (const entry of entries.values()) {
				clearTimeout(entry.unloadTimer);
				storeSnapshotIfPeersChanged(entry);
			}
			await writer.close();
			await relay.close();
			for (const entry of entries.values()) if (entry.loaded) destroy(entry.loaded);
			entries.clear();
		}
	};
}

export type YjsDocStore = ReturnType<typeof createYjsDocStore>;
