// Server side of y-protocols' sync and awareness messages, as y-websocket-server's utils handle them, but strict:
// a message that cannot be decoded or applied is an error the caller answers, not a console line.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as sync from 'y-protocols/sync';
import * as Y from 'yjs';

export class MalformedMessageError extends Error {
	override name = 'MalformedMessageError';
}

export type SyncMessageKind = 'step1' | 'step2' | 'update';

/**
 * Applies one client sync message to the server's document. For step 1 the replies are the server's step 2 (what
 * the client lacks) followed by the server's own step 1, which makes the client send back what the server lacks.
 */
export function handleSyncMessage(doc: Y.Doc, message: Uint8Array, origin: unknown): { kind: SyncMessageKind; replies: Uint8Array[] } {
	try {
		const decoder = decoding.createDecoder(message);
		const type = decoding.readVarUint(decoder);
		if (type === sync.messageYjsSyncStep1) {
			const step2 = encoding.createEncoder();
			sync.writeSyncStep2(step2, doc, decoding.readVarUint8Array(decoder));
			const step1 = encoding.createEncoder();
			sync.writeSyncStep1(step1, doc);
			return { kind: 'step1', replies: [encoding.toUint8Array(step2), encoding.toUint8Array(step1)] };
		}
		if (type === sync.messageYjsSyncStep2 || type === sync.messageYjsUpdate) {
			Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), origin);
			return { kind: type === sync.messageYjsUpdate ? 'update' : 'step2', replies: [] };
		}
	} catch (err) {
		throw new MalformedMessageError(`Not a valid Yjs sync message: ${err instanceof Error ? err.message : String(err)}`);
	}
	throw new MalformedMessageError('Unknown Yjs sync message type');
}

/** A sync "update" message carrying one document update, as the server broadcasts it. */
export function encodeUpdateMessage(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	sync.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

export interface AwarenessEntry {
	clientId: number;
	clock: number;
	state: Record<string, unknown> | null;
}

/** Decodes an awareness update (the format of y-protocols' encodeAwarenessUpdate). */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
	try {
		const decoder = decoding.createDecoder(update);
		const entries: AwarenessEntry[] = [];
		const count = decoding.readVarUint(decoder);
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(decoder);
			const clock = decoding.readVarUint(decoder);
			const state: unknown = JSON.parse(decoding.readVarString(decoder));
			if (state !== null && (typeof state !== 'object' || Array.isArray(state))) throw new Error('state is not an object');
			entries.push({ clientId, clock, state: state as Record<string, unknown> | null });
		}
		if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
		return entries;
	} catch (err) {
		throw new MalformedMessageError(`Not a valid awareness update: ${err instanceof Error ? err.message : String(err)}`);
	}
}

export function encodeAwarenessEntries(entries: AwarenessEntry[]): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, entries.length);
	for (const entry of entries) {
		encoding.writeVarUint(encoder, entry.clientId);
		encoding.writeVarUint(encoder, entry.clock);
		encoding.writeVarString(encoder, JSON.stringify(entry.state));
	}
	return encoding.toUint8Array(encoder);
}
