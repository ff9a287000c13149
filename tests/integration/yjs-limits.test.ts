import * as encoding from 'lib0/encoding';
import * as sync from 'y-protocols/sync';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { openEditor, openSyncedEditor, rawEmit, sleep, waitFor } from '../helpers/yjs-editors';
import { connected, startTestServer, type TestClient, type TestServer } from '../helpers/test-server';

function updateMessage(text: string): Uint8Array {
	const doc = new Y.Doc();
	doc.getText(PROMPT_TEXT).insert(0, text);
	const encoder = encoding.createEncoder();
	sync.writeUpdate(encoder, Y.encodeStateAsUpdate(doc));
	return encoding.toUint8Array(encoder);
}

function step1Message(): Uint8Array {
	const encoder = encoding.createEncoder();
	sync.writeSyncStep1(encoder, new Y.Doc());
	return encoding.toUint8Array(encoder);
}

/** Counts the yjs:* events a socket receives. */
function recordYjsEvents(socket: TestClient) {
	const received: string[] = [];
	socket.on('yjs:sync', () => received.push('yjs:sync'));
	socket.on('yjs:awareness', () => received.push('yjs:awareness'));
	return received;
}

describe('collaborative prompt limits', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	async function setup(options?: Parameters<typeof startTestServer>[1]) {
		server = await startTestServer({}, options);
		const ann = await server.user('Ann');
		const bob = await server.user('Bob'); // not a member unless a test adds him
		const room = await server.ctx.rooms.create({ id: ann.id }, { name: 'Limits', visibility: 'private' });
		return { ann, bob, room };
	}

	it('refuses a non-member with forbidden and sends nothing of the document', async () => {
		const { ann, bob, room } = await setup();
		const owner = await openSyncedEditor(server, ann, room.id);
		owner.doc.getText(PROMPT_TEXT).insert(0, 'secret prompt');
		await waitFor(() => server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).length === 13, 'the server to have it');

		const outsider = server.client({ cookie: bob.cookie });
		await connected(outsider);
		const received = recordYjsEvents(outsider);
		for (const [event, message] of [
			['yjs:sync', step1Message()],
			['yjs:sync', updateMessage('vandalism')],
			['yjs:awareness', new Uint8Array([0])]
		] as const) {
			const result = await rawEmit(outsider, event, { roomId: room.id, message });
			expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/members/) } });
		}
		owner.doc.getText(PROMPT_TEXT).insert(0, 'more ');
		await sleep(200);
		expect(received).toEqual([]);
		expect(server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).toString()).toBe('more secret prompt');

		// The real provider reports the refusal and never claims to be synced.
		const viaProvider = await openEditor(server, bob, room.id);
		await waitFor(() => viaProvider.errors.length > 0, 'the provider to report the refusal');
		expect(viaProvider.provider.error?.code).toBe('forbidden');
		expect(viaProvider.provider.synced).toBe(false);
		expect(viaProvider.text()).toBe('');
	});

	it('stops sending the document to a member the owner removes, and refuses them afterwards', async () => {
		const { ann, bob, room } = await setup();
		await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		const owner = await openSyncedEditor(server, ann, room.id);
		const member = await openSyncedEditor(server, bob, room.id);
		owner.doc.getText(PROMPT_TEXT).insert(0, 'before');
		await waitFor(() => member.text() === 'before', 'Bob to see it');

		await server.ctx.rooms.removeMember({ id: ann.id }, room.id, bob.id);
		owner.doc.getText(PROMPT_TEXT).insert(6, ' and after');
		await sleep(200);
		expect(member.text()).toBe('before');
		const again = await rawEmit(member.socket, 'yjs:sync', { roomId: room.id, message: step1Message() });
		expect(!again.ok && again.error.code).toBe('forbidden');
	});

	it('refuses an oversized update with too_large and leaves the document unchanged', async () => {
		const { ann, room } = await setup();
		const editor = await openSyncedEditor(server, ann, room.id);
		const raw = server.client({ cookie: ann.cookie });
		await connected(raw);
		const result = await rawEmit(raw, 'yjs:sync', { roomId: room.id, message: updateMessage('x'.repeat(70 * 1024)) });
		expect(result).toEqual({ ok: false, error: { code: 'too_large', message: expect.stringMatching(/at most 65536 bytes/) } });

		editor.doc.getText(PROMPT_TEXT).insert(0, 'y'.repeat(66 * 1024)); // a huge paste through the provider
		await waitFor(() => editor.errors.length > 0, 'the provider to report it');
		expect(editor.provider.error?.code).toBe('too_large');
		expect(server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).length).toBe(0);
	});

	it('answers malformed messages with bad_request', async () => {
		const { ann, room } = await setup();
		const raw = server.client({ cookie: ann.cookie });
		await connected(raw);
		for (const message of [new Uint8Array([7, 1, 2]), new Uint8Array([2, 200]), 'not binary', null]) {
			const result = await rawEmit(raw, 'yjs:sync', { roomId: room.id, message });
			expect(!result.ok && result.error.code).toBe('bad_request');
		}
		const awareness = await rawEmit(raw, 'yjs:awareness', { roomId: room.id, message: new Uint8Array([1, 5, 1, 3, 0x7b]) });
		expect(!awareness.ok && awareness.error.code).toBe('bad_request');
		expect((await rawEmit(raw, 'yjs:sync', { roomId: room.id, message: step1Message() })).ok).toBe(true); // still served
	});

	it('rate-limits document messages per client; the provider batches bursts and retries what was refused', async () => {
		const { ann, bob, room } = await setup({ yjsLimits: { syncMessagesPerSecond: 5 } });
		await server.ctx.rooms.joinByInvite({ id: bob.id }, room.inviteToken!);
		const raw = server.client({ cookie: ann.cookie });
		await connected(raw);
		const scratch = await server.ctx.rooms.create({ id: ann.id }, { name: 'Scratch', visibility: 'private' });
		const results = await Promise.all(
			Array.from({ length: 12 }, (_, i) => rawEmit(raw, 'yjs:sync', { roomId: scratch.id, message: updateMessage(`u${i}`) }))
		);
		const refused = results.filter((r) => !r.ok);
		expect(results.filter((r) => r.ok).length).toBeLessThanOrEqual(6);
		expect(refused.length).toBeGreaterThanOrEqual(6);
		expect(refused[0]).toEqual({ ok: false, error: { code: 'rate_limited', message: expect.stringMatching(/retry in \d+ ms/) } });

		// A synchronous burst of 200 keystrokes is merged by the provider's flow control: two messages, no refusal.
		const ann2 = await openSyncedEditor(server, ann, room.id);
		const bobEditor = await openSyncedEditor(server, bob, room.id);
		for (let i = 0; i < 200; i++) ann2.doc.getText(PROMPT_TEXT).insert(ann2.text().length, 'x');
		await waitFor(() => bobEditor.text().length === 200, 'Bob to get the burst');
		expect(ann2.errors).toEqual([]);

		// Keystrokes 10 ms apart are each their own round trip and exceed 5/s: refused, retried, nothing lost.
		for (const ch of ' twenty characters!!') {
			ann2.doc.getText(PROMPT_TEXT).insert(ann2.text().length, ch);
			await sleep(10);
		}
		expect(ann2.errors.some((e) => !e.ok && e.error.code === 'rate_limited')).toBe(true);
		await waitFor(() => bobEditor.text() === `${'x'.repeat(200)} twenty characters!!`, 'Bob to get every character', 10_000);
		expect(server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).toString()).toBe(bobEditor.text());
	});

	it('drops a socket’s rate-limit buckets when it disconnects', async () => {
		const { ann, room } = await setup();
		const editors = [await openSyncedEditor(server, ann, room.id), await openSyncedEditor(server, ann, room.id)];
		editors[0].awareness.setLocalStateField('user', { name: 'Ann', color: '#336699' });
		editors[0].doc.getText(PROMPT_TEXT).insert(0, 'hello');
		await waitFor(() => editors[1].text() === 'hello', 'the edit to arrive');
		expect(server.ctx.realtime!.yjsRateLimitedSockets()).toBeGreaterThanOrEqual(2);
		for (const editor of editors) editor.close();
		await waitFor(() => server.ctx.realtime!.counts().sockets === 0, 'the server to see the disconnects');
		expect(server.ctx.realtime!.yjsRateLimitedSockets()).toBe(0);
	});
});
