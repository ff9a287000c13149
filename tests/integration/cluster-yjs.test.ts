// The collaborative prompt across two web nodes: each node holds a copy of the room's document, relays its clients'
// changes and awareness through Redis (server/yjs/relay.ts), and stores only its own clients' edits in PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { createKyselyYjsPersistence } from '../../server/yjs/persistence';
import { encodeAwarenessEntries } from '../../server/yjs/protocol';
import { decodeRelayMessage } from '../../server/yjs/relay';
import { startCluster, type TestCluster } from '../helpers/cluster';
import type { TestServer } from '../helpers/test-server';
import { addMembers, openSyncedEditor, sleep, waitFor, type Editor } from '../helpers/yjs-editors';

describe('the collaborative prompt across two nodes', () => {
	let cluster: TestCluster;
	let nodeA: TestServer;
	let nodeB: TestServer;
	const editors: Editor[] = [];
	beforeAll(async () => {
		// Writes wait a minute unless flushed: what a node has not stored yet is what the other nodes must relay.
		cluster = await startCluster(2, {}, { yjs: { flushDelayMs: 60_000, unloadGraceMs: 100 } });
		[nodeA, nodeB] = cluster.nodes;
	}, 90_000);
	afterAll(async () => {
		for (const editor of editors) editor.close();
		await cluster?.close();
	});

	let n = 0;
	async function room() {
		n += 1;
		const ann = await nodeA.user(`Ann${n}`);
		const created = await nodeA.ctx.rooms.create({ id: ann.id }, { name: 'Prompt', visibility: 'private' });
		const [bob, cid] = await addMembers(nodeA, created.inviteToken!, [`Bob${n}`, `Cid${n}`]);
		return { ann, bob, cid, roomId: created.id };
	}
	async function editor(node: TestServer, who: { cookie: string }, roomId: string) {
		const opened = await openSyncedEditor(node, who, roomId);
		editors.push(opened);
		return opened;
	}
	const serverText = (node: TestServer, roomId: string) => node.ctx.yjs.loaded(roomId)?.doc.getText(PROMPT_TEXT).toString();

	it('carries edits typed on one node to editors on the other, both ways, and keeps both copies equal', async () => {
		const { ann, bob, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		const onB = await editor(nodeB, bob, roomId);
		onA.doc.getText(PROMPT_TEXT).insert(0, 'Hello');
		await waitFor(() => onB.text() === 'Hello', 'node B’s editor to see node A’s edit');
		onB.doc.getText(PROMPT_TEXT).insert(5, ' world');
		await waitFor(() => onA.text() === 'Hello world', 'node A’s editor to see node B’s edit');
		onA.doc.getText(PROMPT_TEXT).insert(0, '[A]');
		onB.doc.getText(PROMPT_TEXT).insert(0, '[B]');
		await waitFor(() => onA.text().length === 17 && onB.text().length === 17, 'concurrent edits everywhere');
		expect(onA.text()).toBe(onB.text());
		await waitFor(() => serverText(nodeA, roomId) === onA.text() && serverText(nodeB, roomId) === onA.text(), 'both copies');
	});

	it('gives a late joiner on the other node the edits the first node has not stored yet', async () => {
		const { ann, bob, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		onA.doc.getText(PROMPT_TEXT).insert(0, 'Only in node A’s memory');
		await waitFor(() => serverText(nodeA, roomId) === 'Only in node A’s memory', 'node A to have it');
		expect(await createKyselyYjsPersistence(cluster.database.db).countUpdates(roomId)).toBe(0); // nothing stored yet
		expect(nodeB.ctx.yjs.loaded(roomId)).toBeUndefined();
		// A run started on node B, which loads the document just for this, reads the same prompt.
		expect((await nodeB.ctx.yjs.snapshot(roomId)).prompt).toBe('Only in node A’s memory');
		const lateOnB = await editor(nodeB, bob, roomId);
		await waitFor(() => lateOnB.text() === 'Only in node A’s memory', 'the late joiner on node B to converge');
	});

	it('stores each edit once: by the node whose client made it, not by every node that applied it', async () => {
		const { ann, bob, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		const onB = await editor(nodeB, bob, roomId);
		onA.doc.getText(PROMPT_TEXT).insert(0, 'from A');
		await waitFor(() => onB.text() === 'from A', 'B to see A');
		onB.doc.getText(PROMPT_TEXT).insert(6, ', from B');
		await waitFor(() => onA.text() === 'from A, from B', 'A to see B');
		await waitFor(() => serverText(nodeA, roomId) === 'from A, from B', 'node A’s copy');
		await Promise.all([nodeA.ctx.yjs.flush(), nodeB.ctx.yjs.flush()]);
		const rows = await createKyselyYjsPersistence(cluster.database.db).loadUpdates(roomId);
		expect(rows).toHaveLength(2); // one batch per node: A's edit and B's edit, neither stored twice
		const stored = new Y.Doc();
		Y.applyUpdate(stored, Y.mergeUpdates(rows));
		expect(stored.getText(PROMPT_TEXT).toString()).toBe('from A, from B');
	});

	it('stores what another node relayed when this node unloads the document, in case that node dies unstored', async () => {
		const { ann, bob, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		const onB = await editor(nodeB, bob, roomId);
		onA.doc.getText(PROMPT_TEXT).insert(0, 'typed on A, still in A’s write batch');
		await waitFor(() => onB.text() === 'typed on A, still in A’s write batch', 'B to see it');
		const persistence = createKyselyYjsPersistence(cluster.database.db);
		expect(await persistence.countUpdates(roomId)).toBe(0);
		onB.close(); // node B's last editor goes: it unloads the document after the grace period and stores its copy
		await waitFor(() => nodeB.ctx.yjs.loaded(roomId) === undefined, 'node B to unload the document');
		await nodeB.ctx.yjs.flush();
		const stored = new Y.Doc();
		Y.applyUpdate(stored, Y.mergeUpdates(await persistence.loadUpdates(roomId)));
		expect(stored.getText(PROMPT_TEXT).toString()).toBe('typed on A, still in A’s write batch');
	});

	it('has each node resubscribe after its relay subscriber loses Redis, and ask the others for what it missed', async () => {
		const { ann, bob, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		const onB = await editor(nodeB, bob, roomId);
		onA.doc.getText(PROMPT_TEXT).insert(0, 'before');
		await waitFor(() => onB.text() === 'before', 'B to sync');
		// What the nodes say to each other about this room, heard by a listener of our own.
		const redis = nodeB.ctx.redis!;
		const listener = await redis.connect('test-listener');
		const kinds: string[] = [];
		await listener.subscribe(redis.key('yjs', roomId), (bytes: Buffer) => kinds.push(decodeRelayMessage(bytes).message.kind), true);
		// A network blip between the nodes and Redis: both relay subscribers (this test's prefix only) are cut off.
		const subscribers = (await redis.commands.clientList()).filter((c) => c.name === `${redis.prefix}-yjs-relay`);
		expect(subscribers).toHaveLength(2);
		for (const c of subscribers) await redis.commands.clientKill({ filter: 'ID', id: Number(c.id) });
		// Once back, each node asks the other for what it may have missed.
		await waitFor(() => kinds.filter((k) => k === 'query').length >= 2, 'both nodes to ask again', 10_000);
		onA.doc.getText(PROMPT_TEXT).insert(6, ', after the blip');
		await waitFor(() => onB.text() === 'before, after the blip', 'node B to hear node A again', 10_000);
		onB.doc.getText(PROMPT_TEXT).insert(0, 'after: ');
		await waitFor(() => onA.text() === 'after: before, after the blip', 'node A to hear node B again', 10_000);
		expect(serverText(nodeB, roomId)).toBe(serverText(nodeA, roomId));
	});

	it('shows cursors across nodes, to a late joiner too, and removes them when their editor leaves', async () => {
		const { ann, bob, cid, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		const onB = await editor(nodeB, bob, roomId);
		onA.awareness.setLocalState({ user: { name: 'Ann', color: '#e11d48' }, cursor: null });
		await waitFor(() => onB.awareness.getStates().get(onA.doc.clientID)?.user?.color === '#e11d48', 'B to see Ann’s cursor');
		expect(onB.awareness.getStates().get(onA.doc.clientID)?.user).toEqual({ id: ann.id, name: `Ann${n}`, color: '#e11d48' });
		const lateOnB = await editor(nodeB, cid, roomId);
		await waitFor(() => lateOnB.awareness.getStates().has(onA.doc.clientID), 'a late joiner on node B to see Ann’s cursor');
		onA.close();
		await waitFor(() => !onB.awareness.getStates().has(onA.doc.clientID), 'Ann’s cursor to go on node B');
	});

	it('refuses a cursor id another node’s user holds', async () => {
		const { ann, bob, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		const onB = await editor(nodeB, bob, roomId);
		onA.awareness.setLocalState({ user: { name: 'Ann', color: '#e11d48' }, cursor: null });
		await waitFor(() => nodeB.ctx.yjs.loaded(roomId)?.awareness.getStates().has(onA.doc.clientID) ?? false, 'node B to know it');
		// Bob's socket on node B claims Ann's awareness client id.
		const forged = encodeAwarenessEntries([{ clientId: onA.doc.clientID, clock: 999, state: { user: { name: 'x', color: '#000000' } } }]);
		const answer = await onB.socket.timeout(5000).emitWithAck('yjs:awareness', { roomId, message: forged });
		expect(answer).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/belongs to someone else/) } });
	});

	it('stops a member removed on one node from editing through the other', async () => {
		const { ann, bob, roomId } = await room();
		const onA = await editor(nodeA, ann, roomId);
		const onB = await editor(nodeB, bob, roomId);
		onA.doc.getText(PROMPT_TEXT).insert(0, 'kept');
		await waitFor(() => onB.text() === 'kept', 'B to sync');
		expect((await nodeA.ctx.rooms.removeMember({ id: ann.id }, roomId, bob.id)).ok).toBe(true);
		await sleep(300); // the removal reaches node B as a server-side event
		onB.doc.getText(PROMPT_TEXT).insert(0, 'sneaky ');
		await waitFor(() => onB.errors.some((e) => !e.ok && e.error.code === 'forbidden'), 'node B to refuse the removed member');
		await sleep(200);
		expect(onA.text()).toBe('kept');
		expect(serverText(nodeB, roomId) ?? 'kept').toBe('kept');
	});
});
