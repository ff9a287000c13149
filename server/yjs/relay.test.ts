import { describe, expect, it } from 'vitest';
import { MalformedMessageError } from './protocol';
import { decodeRelayMessage, encodeRelayMessage, type RelayMessage } from './relay';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('Yjs relay messages between nodes', () => {
	it.each<RelayMessage>([
		{ kind: 'update', update: bytes(1, 2, 3) },
		{ kind: 'awareness', update: bytes(0) },
		{ kind: 'query', stateVector: bytes(1, 200, 7, 3) },
		{ kind: 'answer', to: 'sy-node-b', update: bytes(0, 0), awareness: bytes(1, 5) }
	])('carries a $kind message and who sent it', (message) => {
		expect(decodeRelayMessage(encodeRelayMessage('sy-node-a', message))).toEqual({ from: 'sy-node-a', message });
	});

	it('refuses bytes that are not a relay message, with an error the relay can log and skip', () => {
		const valid = encodeRelayMessage('a', { kind: 'update', update: bytes(1, 2, 3) });
		expect(() => decodeRelayMessage(valid.slice(0, valid.length - 2))).toThrow(MalformedMessageError);
		expect(() => decodeRelayMessage(bytes(1, 97, 9, 0))).toThrow(/unknown kind/);
		expect(() => decodeRelayMessage(bytes())).toThrow(MalformedMessageError);
	});
});
