// How the nodes of a cluster keep their copies of a room's document (and its awareness) the same. Every node that
// has a room's document loaded subscribes to the room; what its own clients change it publishes, what other nodes
// publish it applies to its copy and sends to its own sockets. A node that loads a document asks the others for
// what it lacks (a sync step 1 across nodes), because their last edits may still wait in their write batches.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MalformedMessageError } from './protocol';

export type RelayMessage =
	/** A change this node's clients made to the document. */
	| { kind: 'update'; update: Uint8Array }
	/** Awareness (cursor) changes of this node's clients, in y-protocols' awareness encoding. */
	| { kind: 'awareness'; update: Uint8Array }
	/** This node just loaded the document: answer with what it lacks beyond this state vector. */
	| { kind: 'query'; stateVector: Uint8Array }
	/** To the node `to` that asked: the document update it lacks and the awareness states known here. */
	| { kind: 'answer'; to: string; update: Uint8Array; awareness: Uint8Array };

export interface YjsRelay {
	/** This node's name among the others (answers are addressed with it). */
	readonly nodeId: string;
	/** Hears the room's messages from other nodes (never this node's own); resolves once listening. */
	subscribe(roomId: string, listener: (message: RelayMessage, from: string) => void): Promise<void>;
	unsubscribe(roomId: string): Promise<void>;
	/** Whether another node listens to the room now (so a query has someone to answer it). */
	othersListening(roomId: string): Promise<boolean>;
	/** After a lost connection: messages may have been missed, so the caller asks again for every loaded room. */
	onReconnected(callback: () => void): void;
	/** Fire and forget: a message lost in a Redis outage is repaired by the queries nodes send when they reconnect. */
	publish(roomId: string, message: RelayMessage): void;
	close(): Promise<void>;
}

/** A single process: nobody else holds a copy, so there is nothing to relay. */
export function localYjsRelay(): YjsRelay {
	return {
		nodeId: 'local',
		subscribe: async () => {},
		unsubscribe: async () => {},
		othersListening: async () => false,
		onReconnected: () => {},
		publish: () => {},
		close: async () => {}
	};
}

const KINDS = ['update', 'awareness', 'query', 'answer'] as const;

/** `from`, the kind, then its fields, framed with lib0 like the y-protocols messages themselves. */
export function encodeRelayMessage(from: string, message: RelayMessage): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarString(encoder, from);
	encoding.writeVarUint(encoder, KINDS.indexOf(message.kind));
	if (message.kind === 'query') encoding.writeVarUint8Array(encoder, message.stateVector);
	else if (message.kind === 'answer') {
		encoding.writeVarString(encoder, message.to);
		encoding.writeVarUint8Array(encoder, message.update);
		encoding.writeVarUint8Array(encoder, message.awareness);
	} else encoding.writeVarUint8Array(encoder, message.update);
	return encoding.toUint8Array(encoder);
}

export function decodeRelayMessage(bytes: Uint8Array): { from: string; message: RelayMessage } {
	try {
		const decoder = decoding.createDecoder(bytes);
		const from = decoding.readVarString(decoder);
		const kind = KINDS[decoding.readVarUint(decoder)];
		let message: RelayMessage;
		if (kind === 'query') message = { kind, stateVector: decoding.readVarUint8Array(decoder) };
		else if (kind === 'answer') {
			const to = decoding.readVarString(decoder);
			message = { kind, to, update: decoding.readVarUint8Array(decoder), awareness: decoding.readVarUint8Array(decoder) };
		} else if (kind === 'update' || kind === 'awareness') message = { kind, update: decoding.readVarUint8Array(decoder) };
		else throw new Error('unknown kind');
		return { from, message };
	} catch (err) {
		throw new MalformedMessageError(`Not a valid relay message: ${err instanceof Error ? err.message : String(err)}`);
	}
}
