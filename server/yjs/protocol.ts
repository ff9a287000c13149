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

/** A decoded client sync message: a state vector (step 1) or a document update (step 2 or update). */
export type SyncMessage = { kind: 'step1'; stateVector: Uint8Array } | { kind: 'step2' | 'update'; update: Uint8Array };

/** Reads a sync message without applying it, so the caller can check an update before it reaches the document. */
export function decodeSyncMessage(message: Uint8Array): SyncMessage {
	try {
		const decoder = decoding.createDecoder(message);
		const type = decoding.readVarUint(decoder);
		if (type === sync.messageYjsSyncStep1) return { kind: 'step1', stateVector: decoding.readVarUint8Array(decoder) };
		if (type === sync.messageYjsSyncStep2) return { kind: 'step2', update: decoding.readVarUint8Array(decoder) };
		if (type === sync.messageYjsUpdate) return { kind: 'update', update: decoding.readVarUint8Array(decoder) };
	} catch (err) {
		throw new MalformedMessageError(`Not a valid Yjs sync message: ${err instanceof Error ? err.message : String(err)}`);
	}
	throw new MalformedMessageError('Unknown Yjs sync message type');
}

/**
 * Applies one decoded client sync message to the server's document. For step 1 the replies are the server's step 2
 * (what the client lacks) followed by the server's own step 1, which makes the client send back what the server lacks.
 */
export function applySyncMessage(doc: Y.Doc, message: SyncMessage, origin: unknown): { kind: SyncMessageKind; replies: Uint8Array[] } {
	try {
		if (message.kind === 'step1') {
			const step2 = encoding.createEncoder();
			sync.writeSyncStep2(step2, doc, message.stateVector);
			const step1 = encoding.createEncoder();
			sync.writeSyncStep1(step1, doc);
			return { kind: 'step1', replies: [encoding.toUint8Array(step2), encoding.toUint8Array(step1)] };
		}
		Y.applyUpdate(doc, message.update, origin);
		return { kind: message.kind, replies: [] };
	} catch (err) {
		throw new MalformedMessageError(`Not a valid Yjs sync message: ${err instanceof Error ? err.message : String(err)}`);
	}
}

/** Decodes and applies one client sync message (see applySyncMessage). */
export function handleSyncMessage(doc: Y.Doc, message: Uint8Array, origin: unknown): { kind: SyncMessageKind; replies: Uint8Array[] } {
	return applySyncMessage(doc, decodeSyncMessage(message), origin);
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
