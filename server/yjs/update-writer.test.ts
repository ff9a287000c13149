import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { silentLogger } from '../logger';
import { AwarenessRelay } from './awareness-relay';
import type { YjsPersistence } from './persistence';
import { createUpdateWriter } from './update-writer';

function textUpdate(text: string): Uint8Array {
	const doc = new Y.Doc();
	doc.getText('prompt').insert(0, text);
	return Y.encodeStateAsUpdate(doc);
}

describe('update writer', () => {
	it('keeps updates pending when storing fails and stores them on the retry', async () => {
		const stored: Uint8Array[] = [];
		let failures = 1;
		const persistence: YjsPersistence = {
			loadUpdates: async () => stored,
			storeUpdate: async (_room, update) => {
				if (failures-- > 0) throw new Error('database is down');
				stored.push(update);
			}
		};
		const writer = createUpdateWriter(persistence, silentLogger(), { flushDelayMs: 10, retryDelayMs: 20 });
		writer.enqueue('r', textUpdate('a'));
		writer.enqueue('r', textUpdate('b'));
		await new Promise((r) => setTimeout(r, 150));
		expect(stored).toHaveLength(1);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, stored[0]);
		expect(doc.getText('prompt').toString().split('').sort().join('')).toBe('ab');
		await writer.close();
	});

	it('flushes at once when a room has too many pending bytes', async () => {
		const stored: Uint8Array[] = [];
		const writer = createUpdateWriter({ loadUpdates: async () => [], storeUpdate: async (_r, u) => void stored.push(u) }, silentLogger(), {
			flushDelayMs: 60_000,
			maxPendingBytes: 100
		});
		writer.enqueue('r', textUpdate('x'.repeat(200)));
		await writer.flush('r');
		expect(stored).toHaveLength(1);
		await writer.close();
	});
});

describe('awareness relay', () => {
	it('sends at most once per interval, with the latest set of changed clients', async () => {
		const sent: number[][] = [];
		const relay = new AwarenessRelay(50, (ids) => sent.push(ids));
		relay.note([1]); // idle: goes at once
		relay.note([1]);
		relay.note([2]);
		relay.note([1]);
		expect(sent).toEqual([[1]]);
		await new Promise((r) => setTimeout(r, 80));
		expect(sent).toEqual([[1], [1, 2]]);
		relay.note([3]);
		relay.cancel();
		await new Promise((r) => setTimeout(r, 80));
		expect(sent).toHaveLength(2); // cancelled: the pending change is dropped
	});
});
