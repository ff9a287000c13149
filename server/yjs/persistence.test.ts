import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { createUsersRepository } from '../auth/users.repository';
import { silentLogger } from '../logger';
import { createRoomsRepository } from '../rooms/rooms.repository';
import { createYjsDocStore } from './doc-store';
import { createKyselyYjsPersistence } from './persistence';
import { createUpdateWriter } from './update-writer';

const ROOM = 'roomroomroom';
const OTHER_ROOM = 'otherotherot';

/** Types `text` into a fresh doc one character per transaction and returns each transaction's update. */
function keystrokes(text: string): { doc: Y.Doc; updates: Uint8Array[] } {
	const doc = new Y.Doc();
	const updates: Uint8Array[] = [];
	doc.on('update', (u: Uint8Array) => updates.push(u));
	for (const ch of text) doc.getText('prompt').insert(doc.getText('prompt').length, ch);
	return { doc, updates };
}

function rebuild(updates: Uint8Array[]): Y.Doc {
	const doc = new Y.Doc();
	for (const u of updates) Y.applyUpdate(doc, u);
	return doc;
}

describe.each(DIALECTS)('Yjs persistence on %s', (kind) => {
	let t: TestDatabase;

	beforeEach(async () => {
		t = await freshDatabase(kind);
		await createUsersRepository(t.db).create({ id: 'annannannann', email: 'ann@example.com', name: 'Ann', passwordHash: 'x' });
		const rooms = createRoomsRepository(t.db);
		for (const [id, invite] of [
			[ROOM, 'inviteinvite1'],
			[OTHER_ROOM, 'inviteinvite2']
		]) {
			await rooms.create({ id, name: id, visibility: 'private', owner_id: 'annannannann', invite_token: invite, created_at: 1 });
		}
	});
	afterEach(() => t.drop());

	it('stores update blobs per room byte for byte and loads them back in order', async () => {
		const persistence = createKyselyYjsPersistence(t.db);
		const { updates } = keystrokes('hi!');
		for (const u of updates) await persistence.storeUpdate(ROOM, u);
		await persistence.storeUpdate(OTHER_ROOM, keystrokes('x').updates[0]);

		const loaded = await persistence.loadUpdates(ROOM);
		expect(loaded.map((u) => [...u])).toEqual(updates.map((u) => [...u]));
		expect(rebuild(loaded).getText('prompt').toString()).toBe('hi!');
		expect(await persistence.loadUpdates('nosuchroomxx')).toEqual([]);
	});

	it('compacts a room into one merged row once it passes the threshold, losing nothing', async () => {
		const persistence = createKyselyYjsPersistence(t.db, { compactAfter: 5 });
		const { doc, updates } = keystrokes('hello, world');
		doc.getText('prompt').delete(0, 7); // deletions must survive compaction too
		const afterDelete = Y.encodeStateAsUpdate(doc);
		const counts: number[] = [];
		for (const u of [...updates, afterDelete]) {
			await persistence.storeUpdate(ROOM, u);
			counts.push(await persistence.countUpdates(ROOM));
		}
		await persistence.storeUpdate(OTHER_ROOM, updates[0]);

		expect(Math.max(...counts)).toBeLessThanOrEqual(5);
		expect(counts).toContain(1); // a compaction happened: 6 rows became 1
		expect(
			rebuild(await persistence.loadUpdates(ROOM))
				.getText('prompt')
				.toString()
		).toBe('world');
		expect(await persistence.countUpdates(OTHER_ROOM)).toBe(1); // other rooms untouched
	});

	it('treats an update stored twice as harmless (Yjs updates are idempotent)', async () => {
		const persistence = createKyselyYjsPersistence(t.db);
		const { updates } = keystrokes('ab');
		for (const u of [...updates, ...updates]) await persistence.storeUpdate(ROOM, u);
		expect(
			rebuild(await persistence.loadUpdates(ROOM))
				.getText('prompt')
				.toString()
		).toBe('ab');
	});

	it('batches a burst of keystrokes into one row and stores what is pending on close', async () => {
		const persistence = createKyselyYjsPersistence(t.db);
		const writer = createUpdateWriter(persistence, silentLogger(), { flushDelayMs: 60_000 });
		const { updates } = keystrokes('a burst of typing');
		for (const u of updates) writer.enqueue(ROOM, u);
		expect(await persistence.countUpdates(ROOM)).toBe(0); // nothing written per keystroke
		await writer.close(); // long before the delay: close must flush
		expect(await persistence.countUpdates(ROOM)).toBe(1);
		expect(
			rebuild(await persistence.loadUpdates(ROOM))
				.getText('prompt')
				.toString()
		).toBe('a burst of typing');
	});

	it('writes on its own after the delay, counted from the first pending update', async () => {
		const persistence = createKyselyYjsPersistence(t.db);
		const writer = createUpdateWriter(persistence, silentLogger(), { flushDelayMs: 50 });
		writer.enqueue(ROOM, keystrokes('x').updates[0]);
		await new Promise((r) => setTimeout(r, 250));
		expect(await persistence.countUpdates(ROOM)).toBe(1);
		expect(writer.pendingRooms()).toBe(0);
		await writer.close();
	});

	it('unloads a document after its last holder leaves and the grace period passes, then reloads it from storage', async () => {
		const persistence = createKyselyYjsPersistence(t.db);
		const store = createYjsDocStore(persistence, silentLogger(), { unloadGraceMs: 50, flushDelayMs: 60_000 });
		const room = await store.acquire(ROOM);
		room.doc.getText('prompt').insert(0, 'kept');
		room.doc.getMap('settings').set('temperature', 0.2);
		store.release(ROOM);
		expect(store.loaded(ROOM)).toBe(room); // still there during the grace period
		await new Promise((r) => setTimeout(r, 150));
		expect(store.loaded(ROOM)).toBeUndefined();

		const again = await store.acquire(ROOM); // waits for the unload's write, then loads
		expect(again.doc).not.toBe(room.doc);
		expect(again.doc.getText('prompt').toString()).toBe('kept');
		expect(await store.snapshot(ROOM)).toEqual({
			prompt: 'kept',
			settings: expect.objectContaining({ temperature: 0.2, mode: 'orchestrated' })
		});
		store.release(ROOM);
		await store.close();
		expect(await persistence.countUpdates(ROOM)).toBe(1); // loading did not store the loaded state again
	});
});
