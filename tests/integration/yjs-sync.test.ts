import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_TEXT, readPromptSettings, SETTINGS_MAP } from '../../src/lib/contract/yjs';
import { addMembers, openEditor, openSyncedEditor, waitFor } from '../helpers/yjs-editors';
import { connected, startTestServer, type TestServer } from '../helpers/test-server';

describe('collaborative prompt sync', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	async function roomWithMembers(names: string[], options?: Parameters<typeof startTestServer>[1]) {
		server = await startTestServer({}, options);
		const owner = await server.user('Ann');
		const room = await server.ctx.rooms.create({ id: owner.id }, { name: 'Prompt', visibility: 'private' });
		const members = await addMembers(server, room.inviteToken!, names);
		return { owner, members, room };
	}

	it('makes two editors converge on the same text, also when they type at the same moment', async () => {
		const { owner, members, room } = await roomWithMembers(['Bob']);
		const ann = await openSyncedEditor(server, owner, room.id);
		const bob = await openSyncedEditor(server, members[0], room.id);

		ann.doc.getText(PROMPT_TEXT).insert(0, 'Hello');
		await waitFor(() => bob.text() === 'Hello', 'Bob to see Ann');
		bob.doc.getText(PROMPT_TEXT).insert(5, ' world');
		await waitFor(() => ann.text() === 'Hello world', 'Ann to see Bob');

		// Concurrent edits at the same position: both end with the same interleaving.
		ann.doc.getText(PROMPT_TEXT).insert(0, '[A]');
		bob.doc.getText(PROMPT_TEXT).insert(0, '[B]');
		await waitFor(() => ann.text().length === 17 && bob.text().length === 17, 'both edits everywhere');
		expect(ann.text()).toBe(bob.text());
		expect(ann.text()).toMatch(/^(\[A\]\[B\]|\[B\]\[A\])Hello world$/);
		expect(server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).toString()).toBe(ann.text());
	});

	it('gives a late joiner the full document, settings included', async () => {
		const { owner, members, room } = await roomWithMembers(['Cid']);
		const ann = await openSyncedEditor(server, owner, room.id);
		ann.doc.getText(PROMPT_TEXT).insert(0, 'Summarise the incident report.');
		ann.doc.getMap(SETTINGS_MAP).set('mode', 'compare');
		await waitFor(() => server.ctx.yjs.loaded(room.id)?.doc.getMap(SETTINGS_MAP).get('mode') === 'compare', 'the server to have it');

		const cid = await openSyncedEditor(server, members[0], room.id);
		expect(cid.text()).toBe('Summarise the incident report.');
		expect(readPromptSettings(cid.doc).mode).toBe('compare');
	});

	it('propagates settings map changes, and readers fall back to defaults for invalid values', async () => {
		const { owner, members, room } = await roomWithMembers(['Bob']);
		const ann = await openSyncedEditor(server, owner, room.id);
		const bob = await openSyncedEditor(server, members[0], room.id);
		expect(readPromptSettings(bob.doc)).toEqual({
			mode: 'orchestrated',
			model: 'auto',
			temperature: 0.7,
			maxTokens: 512,
			approvalGate: false,
			runPolicy: 'queue',
			compareModels: []
		});

		const settings = ann.doc.getMap(SETTINGS_MAP);
		ann.doc.transact(() => {
			settings.set('mode', 'direct');
			settings.set('model', 'sy-tiny-chat');
			settings.set('temperature', 0.2);
			settings.set('maxTokens', 128);
			settings.set('approvalGate', true);
		});
		await waitFor(() => bob.doc.getMap(SETTINGS_MAP).get('approvalGate') === true, 'Bob to get the settings');
		expect(readPromptSettings(bob.doc)).toEqual({
			mode: 'direct',
			model: 'sy-tiny-chat',
			temperature: 0.2,
			maxTokens: 128,
			approvalGate: true,
			runPolicy: 'queue',
			compareModels: []
		});

		bob.doc.getMap(SETTINGS_MAP).set('temperature', 99);
		await waitFor(() => settings.get('temperature') === 99, 'Ann to get Bob’s change');
		expect(readPromptSettings(ann.doc).temperature).toBe(0.7);
		expect((await server.ctx.yjs.snapshot(room.id)).settings.mode).toBe('direct');
	});

	it('resyncs after a reconnect and uploads edits made while offline', async () => {
		const { owner, members, room } = await roomWithMembers(['Bob']);
		const ann = await openSyncedEditor(server, owner, room.id);
		const bob = await openSyncedEditor(server, members[0], room.id);
		ann.doc.getText(PROMPT_TEXT).insert(0, 'online.');
		await waitFor(() => bob.text() === 'online.', 'Bob to see it');

		ann.socket.disconnect();
		await waitFor(() => !ann.provider.synced, 'Ann to notice');
		ann.doc.getText(PROMPT_TEXT).insert(7, ' offline by Ann.');
		bob.doc.getText(PROMPT_TEXT).insert(0, 'Bob: ');
		await new Promise((r) => setTimeout(r, 100));
		expect(bob.text()).toBe('Bob: online.'); // Ann's offline edit has not gone anywhere yet

		ann.socket.connect();
		await connected(ann.socket);
		await waitFor(() => ann.provider.synced, 'Ann to resync');
		await waitFor(() => bob.text() === 'Bob: online. offline by Ann.' && ann.text() === bob.text(), 'both to converge');
	});

	it('unloads the document after the last editor leaves and the grace period, storing it first', async () => {
		const { owner, room } = await roomWithMembers([], { yjs: { unloadGraceMs: 100, flushDelayMs: 60_000 } });
		const ann = await openSyncedEditor(server, owner, room.id);
		ann.doc.getText(PROMPT_TEXT).insert(0, 'persist me');
		await waitFor(() => server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).length === 10, 'the server to have it');
		expect(server.ctx.yjs.loadedCount()).toBe(1);

		ann.close();
		await waitFor(() => server.ctx.yjs.loadedCount() === 0, 'the document to unload', 3000);
		const rows = await server.ctx.db.selectFrom('yjs_updates').select('id').where('room_id', '=', room.id).execute();
		expect(rows.length).toBeGreaterThan(0);
		expect((await server.ctx.yjs.snapshot(room.id)).prompt).toBe('persist me');
	});
});

describe('collaborative prompt across a restart', () => {
	const dir = mkdtempSync(path.join(tmpdir(), 'sy-yjs-'));
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('keeps every edit when the server restarts on the same database file', async () => {
		const env = { DATABASE_URL: `sqlite:${path.join(dir, 'switchyard.db')}` };
		// A long write delay: the edits can only survive because closing the server flushes them.
		const first = await startTestServer(env, { yjs: { flushDelayMs: 60_000 } });
		const ann = await first.user('Ann');
		const room = await first.ctx.rooms.create({ id: ann.id }, { name: 'Durable', visibility: 'private' });
		const editor = await openSyncedEditor(first, ann, room.id);
		for (const word of ['survives ', 'a ', 'restart']) editor.doc.getText(PROMPT_TEXT).insert(editor.text().length, word);
		editor.doc.getMap(SETTINGS_MAP).set('maxTokens', 64);
		await waitFor(() => first.ctx.yjs.loaded(room.id)?.doc.getMap(SETTINGS_MAP).get('maxTokens') === 64, 'the server to have it');
		await first.close();

		const second = await startTestServer(env);
		try {
			const { token } = await second.ctx.auth.createSession(ann.id);
			const fresh = await openEditor(second, { cookie: `sy_session=${token}` }, room.id);
			await waitFor(() => fresh.provider.synced, 'sync after restart');
			expect(fresh.text()).toBe('survives a restart');
			expect(readPromptSettings(fresh.doc).maxTokens).toBe(64);
		} finally {
			await second.close();
		}
	});
});
