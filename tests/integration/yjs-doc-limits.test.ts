import * as encoding from 'lib0/encoding';
import * as sync from 'y-protocols/sync';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { encodeAwarenessEntries } from '../../server/yjs/protocol';
import { connected, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';
import { addMembers, openSyncedEditor, rawEmit, sleep, waitFor } from '../helpers/yjs-editors';

// The limits on the collaborative prompt that come from the environment (YJS_*), over real sockets.

/** A sync "update" message inserting `text`, as a new client would send it. */
function updateMessage(text: string): Uint8Array {
	const doc = new Y.Doc();
	doc.getText(PROMPT_TEXT).insert(0, text);
	const encoder = encoding.createEncoder();
	sync.writeUpdate(encoder, Y.encodeStateAsUpdate(doc));
	return encoding.toUint8Array(encoder);
}

describe('collaborative prompt limits from the environment', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	async function room(env: Record<string, string>) {
		server = await startTestServer(env);
		const ann = await server.user('Ann');
		const created = await server.ctx.rooms.create({ id: ann.id }, { name: 'Limits', visibility: 'private' });
		const [bob] = await addMembers(server, created.inviteToken!, ['Bob']);
		return { ann, bob, roomId: created.id };
	}

	async function sockets(people: { cookie: string }[]): Promise<TestClient[]> {
		const all = people.map((p) => server.client({ cookie: p.cookie }));
		await Promise.all(all.map(connected));
		return all;
	}

	it('caps the total size of a room’s document (YJS_MAX_DOC_BYTES), however many sockets add to it', async () => {
		const { ann, bob, roomId } = await room({ YJS_MAX_DOC_BYTES: '16384', YJS_MAX_MESSAGE_BYTES: '4096' });
		const writers = await sockets([ann, ann, bob, bob]);
		const chunk = 'x'.repeat(2000);
		const answers = [];
		for (let round = 0; round < 6; round++) {
			answers.push(...(await Promise.all(writers.map((s) => rawEmit(s, 'yjs:sync', { roomId, message: updateMessage(chunk) })))));
		}
		const accepted = answers.filter((a) => a.ok).length;
		expect(accepted).toBeGreaterThanOrEqual(6);
		expect(accepted).toBeLessThanOrEqual(8);
		expect(answers.at(-1)).toEqual({
			ok: false,
			error: { code: 'too_large', message: expect.stringMatching(/at most 16384 \(YJS_MAX_DOC_BYTES\)/) }
		});
		const doc = server.ctx.yjs.loaded(roomId)!.doc;
		expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThanOrEqual(16384);
		expect(doc.getText(PROMPT_TEXT).length).toBe(accepted * 2000);

		// One message is still capped on its own (YJS_MAX_MESSAGE_BYTES), before the document is looked at.
		const big = await rawEmit(writers[0], 'yjs:sync', { roomId, message: updateMessage('y'.repeat(5000)) });
		expect(big).toEqual({
			ok: false,
			error: { code: 'too_large', message: expect.stringMatching(/at most 4096 bytes \(YJS_MAX_MESSAGE_BYTES\)/) }
		});

		// A full document can be trimmed through the real provider, and then grows again.
		const editor = await openSyncedEditor(server, ann, roomId);
		const text = editor.doc.getText(PROMPT_TEXT);
		text.delete(0, text.length - 1000);
		await waitFor(() => doc.getText(PROMPT_TEXT).length === 1000, 'the server to take the deletion');
		text.insert(0, 'fits again ');
		await waitFor(() => doc.getText(PROMPT_TEXT).toString().startsWith('fits again '), 'the server to take the insert');
		expect(editor.errors).toEqual([]);
	});

	it('rate-limits awareness per socket (YJS_AWARENESS_MESSAGES_PER_SECOND); the provider still delivers the latest state', async () => {
		const { ann, bob, roomId } = await room({ YJS_AWARENESS_MESSAGES_PER_SECOND: '3' });
		const [raw] = await sockets([bob]);
		const clientId = 424242;
		const message = (clock: number) => encodeAwarenessEntries([{ clientId, clock, state: { typing: clock % 2 === 0 } }]);
		const answers = await Promise.all(
			Array.from({ length: 8 }, (_, i) => rawEmit(raw, 'yjs:awareness', { roomId, message: message(i + 1) }))
		);
		expect(answers.filter((a) => a.ok).length).toBeLessThanOrEqual(4);
		expect(answers.find((a) => !a.ok)).toEqual({
			ok: false,
			error: { code: 'rate_limited', message: expect.stringMatching(/YJS_AWARENESS_MESSAGES_PER_SECOND: 3\); retry in \d+ ms/) }
		});

		const annEditor = await openSyncedEditor(server, ann, roomId);
		const bobEditor = await openSyncedEditor(server, bob, roomId);
		for (let i = 1; i <= 10; i++) annEditor.awareness.setLocalState({ user: { name: 'Ann', color: '#0ea5e9' }, typing: i === 10 });
		await waitFor(() => bobEditor.awareness.getStates().get(annEditor.doc.clientID)?.typing === true, 'Bob to see Ann’s last state', 5000);
		await sleep(50);
		expect(annEditor.errors).toEqual([]); // refused as too fast is retried, not shown
	});
});
