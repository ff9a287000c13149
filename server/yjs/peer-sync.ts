import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { RoomDoc } from './doc-store';
import type { RelayMessage, YjsRelay } from './relay';

/**
 * Origin of changes that came from another node: applied here and shown to this node's sockets, but not published
 * again (the node whose client made them did) and not stored in the write batches (that node stores them).
 */
export const FROM_PEER = Symbol('from-peer');

/**
 * Applies one message from another node to this node's copy of the room. Returns the awareness update to show to
 * this node's sockets, if it carried one; answers a query through the relay; `answered` runs when an answer
 * addressed to this node arrives.
 */
export function applyPeerMessage(
	room: RoomDoc,
	relay: YjsRelay,
	message: RelayMessage,
	from: string,
	answered: () => void
): Uint8Array | null {
	const { doc, awareness, roomId } = room;
	switch (message.kind) {
		case 'update':
			Y.applyUpdate(doc, message.update, FROM_PEER);
			return null;
		case 'awareness':
			applyAwarenessUpdate(awareness, message.update, FROM_PEER);
			return message.update;
		case 'query':
			relay.publish(roomId, {
				kind: 'answer',
				to: from,
				update: Y.encodeStateAsUpdate(doc, message.stateVector),
				awareness: encodeAwarenessUpdate(awareness, [...awareness.states.keys()])
			});
			return null;
		case 'answer': {
			if (message.to !== relay.nodeId) return null; // another node's answer
			Y.applyUpdate(doc, message.update, FROM_PEER);
			answered();
			if (message.awareness.byteLength <= 1) return null; // one byte: an empty list, nobody editing over there
			applyAwarenessUpdate(awareness, message.awareness, FROM_PEER);
			return message.awareness;
		}
	}
}

/** Asks the other nodes for what this copy lacks; resolves on the first answer, or after `waitMs` (nobody has it). */
export function askPeers(room: RoomDoc, relay: YjsRelay, waitMs: number): { answered: () => void; done: Promise<void> } {
	let answered = () => {};
	const done = new Promise<void>((resolve) => {
		const timer = setTimeout(resolve, waitMs);
		answered = () => {
			clearTimeout(timer);
			resolve();
		};
	});
	relay.publish(room.roomId, { kind: 'query', stateVector: Y.encodeStateVector(room.doc) });
	return { answered, done };
}
