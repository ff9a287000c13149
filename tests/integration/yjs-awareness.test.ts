import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PROMPT_TEXT, type PromptAwarenessState } from '../../src/lib/contract/yjs';
import { encodeAwarenessEntries } from '../../server/yjs/protocol';
import { addMembers, openSyncedEditor, rawEmit, sleep, waitFor } from '../helpers/yjs-editors';
import { connected, startTestServer, type TestServer } from '../helpers/test-server';

/** A selection as y-codemirror stores it: Y.RelativePosition objects (JSON on the wire, every key present). */
function selection(doc: Y.Doc, anchor: number, head = anchor) {
	const text = doc.getText(PROMPT_TEXT);
	const pos = (i: number) => JSON.parse(JSON.stringify(Y.createRelativePositionFromTypeIndex(text, i)));
	return { anchor: pos(anchor), head: pos(head) };
}

describe('collaborative prompt awareness', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	async function twoEditors() {
		server = await startTestServer();
		const owner = await server.user('Ann');
		const room = await server.ctx.rooms.create({ id: owner.id }, { name: 'Cursors', visibility: 'private' });
		const [bobUser] = await addMembers(server, room.inviteToken!, ['Bob']);
		const ann = await openSyncedEditor(server, owner, room.id);
		const bob = await openSyncedEditor(server, bobUser, room.id);
		return { owner, bobUser, room, ann, bob };
	}

	it('shows each editor’s name, colour and cursor to the others, under the login’s name', async () => {
		const { owner, ann, bob } = await twoEditors();
		ann.doc.getText(PROMPT_TEXT).insert(0, 'some prompt text');
		const cursor = selection(ann.doc, 3, 5);
		const state: PromptAwarenessState = { user: { name: 'Mallory', color: '#e11d48' }, cursor };
		ann.awareness.setLocalState(state);
		await waitFor(() => bob.awareness.getStates().has(ann.doc.clientID), 'Bob to see Ann’s cursor');
		expect(bob.awareness.getStates().get(ann.doc.clientID)).toEqual({
			user: { id: owner.id, name: 'Ann', color: '#e11d48' }, // the server overrides the claimed name
			cursor
		});

		const moved = selection(ann.doc, 9);
		ann.awareness.setLocalStateField('cursor', moved);
		await waitFor(
			() => JSON.stringify(bob.awareness.getStates().get(ann.doc.clientID)?.cursor) === JSON.stringify(moved),
			'the cursor to move'
		);
	});

	it('sends current cursors to an editor that joins later', async () => {
		const { owner, room, ann } = await twoEditors();
		ann.awareness.setLocalState({ user: { name: 'Ann', color: '#0ea5e9' }, cursor: null });
		await waitFor(() => server.ctx.yjs.loaded(room.id)?.awareness.getStates().has(ann.doc.clientID) ?? false, 'the server to have it');
		const annOtherTab = await openSyncedEditor(server, owner, room.id);
		await waitFor(() => annOtherTab.awareness.getStates().get(ann.doc.clientID)?.user?.color === '#0ea5e9', 'the new tab to see it');
	});

	it('removes a cursor for everyone as soon as its socket disconnects', async () => {
		const { ann, bob } = await twoEditors();
		ann.awareness.setLocalState({ user: { name: 'Ann', color: '#22c55e' } });
		await waitFor(() => bob.awareness.getStates().has(ann.doc.clientID), 'Bob to see Ann');
		const removedAt = Date.now();
		ann.socket.disconnect(); // no goodbye from the client: the server must clean up
		await waitFor(() => !bob.awareness.getStates().has(ann.doc.clientID), 'Ann’s cursor to disappear', 2000);
		expect(Date.now() - removedAt).toBeLessThan(2000); // not the 30 s awareness timeout
	});

	it('removes the cursor when the provider is destroyed while the socket stays connected', async () => {
		const { ann, bob } = await twoEditors();
		ann.awareness.setLocalState({ user: { name: 'Ann', color: '#22c55e' } });
		await waitFor(() => bob.awareness.getStates().has(ann.doc.clientID), 'Bob to see Ann');
		ann.provider.destroy(); // e.g. the prompt panel closed; the tab's socket is still used by the rest of the page
		await waitFor(() => !bob.awareness.getStates().has(ann.doc.clientID), 'Ann’s cursor to disappear', 2000);
		expect(ann.socket.connected).toBe(true);
		bob.doc.getText('prompt').insert(0, 'not for Ann');
		await sleep(100);
		expect(ann.doc.getText('prompt').toString()).toBe('');
	});

	it('relays at most ~10 awareness messages per second per client, ending with the latest state', async () => {
		const { ann, bob } = await twoEditors();
		let received = 0;
		bob.socket.on('yjs:awareness', () => received++);
		ann.doc.getText(PROMPT_TEXT).insert(0, 'x'.repeat(64));
		const last = JSON.stringify(selection(ann.doc, 60));
		const started = Date.now();
		for (let i = 1; i <= 60; i++) {
			ann.awareness.setLocalState({ user: { name: 'Ann', color: '#000000' }, cursor: selection(ann.doc, i) });
			await sleep(5);
		}
		const elapsed = Date.now() - started;
		await waitFor(() => JSON.stringify(bob.awareness.getStates().get(ann.doc.clientID)?.cursor) === last, 'the last cursor position');
		await sleep(150);
		expect(received).toBeGreaterThan(0);
		expect(received).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2); // 60 changes, one relay per 100 ms
	});

	it('refuses awareness for a client id another user speaks for', async () => {
		const { bobUser, room, ann } = await twoEditors();
		ann.awareness.setLocalState({ user: { name: 'Ann', color: '#000000' } });
		await waitFor(() => server.ctx.yjs.loaded(room.id)?.awareness.getStates().has(ann.doc.clientID) ?? false, 'the server to have it');
		const intruder = server.client({ cookie: bobUser.cookie });
		await connected(intruder);
		// A forged "Ann left" for Ann's client id.
		const forged = encodeAwarenessEntries([{ clientId: ann.doc.clientID, clock: 999, state: null }]);
		const result = await rawEmit(intruder, 'yjs:awareness', { roomId: room.id, message: forged });
		expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/someone else/) } });
		expect(server.ctx.yjs.loaded(room.id)?.awareness.getStates().has(ann.doc.clientID)).toBe(true);
	});
	it('refuses malformed awareness states (CSS in colours, broken cursors) and never relays them', async () => {
		const { room, ann, bob } = await twoEditors();
		const relayed: unknown[] = [];
		bob.socket.on('yjs:awareness', (p) => relayed.push(p));
		const bad: Record<string, unknown>[] = [
			{ cursor: { anchor: {}, head: { type: {} } } },
			{ user: { name: 'Ann', color: 'red; background-image: url(https://evil.example/steal)' } },
			{ user: { name: 'Ann', color: '#000000', colorLight: '#000000;position:fixed;inset:0' } },
			{ user: { name: 'x'.repeat(5000), color: '#000000' } },
			{ user: { name: 'Ann' }, cursor: { anchor: 1, head: 2 } },
			{ user: { name: 'Ann' }, onclick: 'alert(1)' }
		];
		for (const state of bad) {
			const message = encodeAwarenessEntries([{ clientId: ann.doc.clientID, clock: 50, state }]);
			const result = await rawEmit(ann.socket, 'yjs:awareness', { roomId: room.id, message });
			expect(result, JSON.stringify(state)).toEqual({
				ok: false,
				error: { code: 'bad_request', message: expect.stringMatching(/Invalid awareness state/) }
			});
		}
		await sleep(250); // longer than the relay interval
		expect(relayed).toEqual([]);
		expect(server.ctx.yjs.loaded(room.id)?.awareness.getStates().has(ann.doc.clientID)).toBe(false);
		expect(bob.awareness.getStates().has(ann.doc.clientID)).toBe(false);

		// The well-formed state right after goes through.
		ann.awareness.setLocalState({ user: { name: 'Ann', color: '#22c55e' }, cursor: selection(ann.doc, 0) });
		await waitFor(() => bob.awareness.getStates().get(ann.doc.clientID)?.user?.color === '#22c55e', 'Bob to see the valid state');
	});
	it('has the browser’s provider make states renderable even if a bad one reaches it', async () => {
		const { room, bob } = await twoEditors();
		const state = { user: { name: 'Eve', color: 'red;background:url(x)' }, cursor: { anchor: {}, head: { type: {} } }, html: '<b>' };
		const message = encodeAwarenessEntries([{ clientId: 4242, clock: 1, state }]);
		server.ctx.realtime!.io.to(bob.socket.id!).emit('yjs:awareness', { roomId: room.id, message }); // as a faulty server would
		await waitFor(() => bob.awareness.getStates().has(4242), 'Bob to get the state');
		expect(bob.awareness.getStates().get(4242)).toEqual({ user: { name: 'Eve' }, cursor: null });
	});
});
