// Drivers-only rooms: the shared draft's run settings are steering, so only drivers may change them through Yjs.
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { defaultPromptSettings, PROMPT_TEXT, readPromptSettings, SETTINGS_MAP } from '../../src/lib/contract/yjs';
import { encodeUpdateMessage } from '../../server/yjs/protocol';
import { addMembers, openSyncedEditor, rawEmit, sleep, waitFor, type Editor } from '../helpers/yjs-editors';
import { startTestServer, type TestServer } from '../helpers/test-server';

describe('run settings in a drivers-only room', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	async function openRoom(steering: 'everyone' | 'drivers') {
		server = await startTestServer();
		const owner = await server.user('Ann');
		const room = await server.ctx.rooms.create({ id: owner.id }, { name: 'Ops', visibility: 'private' });
		const [bobUser, danUser] = await addMembers(server, room.inviteToken!, ['Bob', 'Dan']);
		await server.ctx.rooms.setSteering({ id: owner.id }, room.id, steering);
		await server.ctx.rooms.setDriver({ id: owner.id }, room.id, danUser.id, true);
		const ann = await openSyncedEditor(server, owner, room.id);
		const bob = await openSyncedEditor(server, bobUser, room.id);
		const dan = await openSyncedEditor(server, danUser, room.id);
		return { room, ann, bob, dan, bobUser };
	}

	const serverDoc = (roomId: string) => server.ctx.yjs.loaded(roomId)!.doc;
	const refusals = (editor: Editor) => editor.errors.filter((r) => !r.ok && r.error.code === 'forbidden');

	it('refuses a non-driver’s settings change before anyone sees it; the draft a run starts from keeps the old ones', async () => {
		const { room, ann, bob } = await openRoom('drivers');
		bob.doc.getText(PROMPT_TEXT).insert(0, 'Bob may still write the prompt.');
		await waitFor(() => ann.text() === 'Bob may still write the prompt.', 'Ann to see Bob’s text');

		const settings = bob.doc.getMap(SETTINGS_MAP);
		bob.doc.transact(() => {
			settings.set('model', 'sy-chat-small');
			settings.set('approvalGate', true);
			settings.set('runPolicy', 'parallel');
		});
		await waitFor(() => refusals(bob).length === 1, 'the refusal');
		expect(refusals(bob)[0]).toEqual({
			ok: false,
			error: { code: 'forbidden', message: expect.stringMatching(/Only drivers can change the run settings/) }
		});
		await sleep(100);
		expect(readPromptSettings(ann.doc)).toEqual(defaultPromptSettings);
		expect(serverDoc(room.id).getMap(SETTINGS_MAP).size).toBe(0);
		expect((await server.ctx.yjs.snapshot(room.id)).settings).toEqual(defaultPromptSettings);
	});

	it('lets drivers and the owner change settings, and refuses a non-driver deleting or nesting into them', async () => {
		const { room, ann, bob, dan, bobUser } = await openRoom('drivers');
		dan.doc.getMap(SETTINGS_MAP).set('approvalGate', true);
		await waitFor(
			() => readPromptSettings(ann.doc).approvalGate && readPromptSettings(bob.doc).approvalGate,
			'everyone to see Dan’s change'
		);
		ann.doc.getMap(SETTINGS_MAP).set('model', 'sy-chat-small');
		await waitFor(() => readPromptSettings(bob.doc).model === 'sy-chat-small', 'Bob to see Ann’s change');

		bob.doc.getMap(SETTINGS_MAP).delete('approvalGate'); // would fall back to the default (no approval)
		await waitFor(() => refusals(bob).length === 1, 'the deletion to be refused');

		// A fresh client for Bob (the first one now holds a change the server refused) tries a nested value.
		bob.close();
		const bob2 = await openSyncedEditor(server, bobUser, room.id);
		bob2.doc.getMap(SETTINGS_MAP).set('compareModels', new Y.Array());
		await waitFor(() => refusals(bob2).length === 1, 'the nested value to be refused');
		await sleep(100);
		expect(readPromptSettings(serverDoc(room.id))).toMatchObject({ approvalGate: true, model: 'sy-chat-small' });
		expect(serverDoc(room.id).getMap(SETTINGS_MAP).has('compareModels')).toBe(false);
		expect(readPromptSettings(ann.doc).approvalGate).toBe(true);
	});

	it('refuses a non-driver’s update that only builds on items the server lacks (it could change the settings later)', async () => {
		const { room, bob } = await openRoom('drivers');
		// Offline: a settings change, then text after it. Only the second update is sent, so it cannot be integrated now.
		const offline = new Y.Doc();
		offline.clientID = bob.doc.clientID + 1;
		Y.applyUpdate(offline, Y.encodeStateAsUpdate(bob.doc));
		offline.getMap(SETTINGS_MAP).set('runPolicy', 'parallel');
		const before = Y.encodeStateVector(offline);
		offline.getText(PROMPT_TEXT).insert(0, 'later');
		const second = Y.encodeStateAsUpdate(offline, before);
		const result = await rawEmit(bob.socket, 'yjs:sync', { roomId: room.id, message: encodeUpdateMessage(second) });
		expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(serverDoc(room.id).store.pendingStructs).toBeNull();
	});

	it('leaves settings open to every member when the room is not drivers-only', async () => {
		const { ann, bob } = await openRoom('everyone');
		bob.doc.getMap(SETTINGS_MAP).set('runPolicy', 'parallel');
		await waitFor(() => readPromptSettings(ann.doc).runPolicy === 'parallel', 'Ann to see Bob’s change');
		expect(bob.errors).toEqual([]);
	});
});
