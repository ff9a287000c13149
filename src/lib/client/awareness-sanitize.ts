// Someone else's awareness state is rendered into the page (y-codemirror puts the colour in a style attribute and
// resolves the cursor in the document), so each one is made renderable before it reaches the local Awareness.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { renderableAwarenessState } from '../contract/yjs';

/**
 * The same awareness update (y-protocols' encoding: count, then client id, clock and JSON state per entry) with
 * every state passed through `renderableAwarenessState`; null when the update cannot be read at all.
 */
export function sanitizeAwarenessUpdate(update: Uint8Array): Uint8Array | null {
	try {
		const decoder = decoding.createDecoder(update);
		const encoder = encoding.createEncoder();
		const count = decoding.readVarUint(decoder);
		encoding.writeVarUint(encoder, count);
		for (let i = 0; i < count; i++) {
			encoding.writeVarUint(encoder, decoding.readVarUint(decoder)); // client id
			encoding.writeVarUint(encoder, decoding.readVarUint(decoder)); // clock
			const state: unknown = JSON.parse(decoding.readVarString(decoder));
			encoding.writeVarString(encoder, JSON.stringify(state === null ? null : renderableAwarenessState(state)));
		}
		return encoding.toUint8Array(encoder);
	} catch {
		return null;
	}
}
