// The provider's flow control against a real Socket.IO server that answers late: typing does not wait for acks
// (a keystroke goes out within a send window, not a round trip), at most `maxInFlight` updates stay unanswered, and
// whatever waited goes out merged once answers come. Then the same against the real app, in a drivers-only room,
// where a non-driver's pipelined updates must each be judged after the one they build on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { Server } from 'socket.io';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { SocketIoYjsProvider, type YjsProviderSocket } from '../../src/lib/client/yjs-provider';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { addMembers, openSyncedEditor, sleep, waitFor, type Editor } from '../helpers/yjs-editors';
import { startTestServer, type TestServer } from '../helpers/test-server';

type Ack = (result: { ok: true; data: null }) => void;

/** A server that records each document update it gets and answers only when told to. */
async function lateAnsweringServer() {
	const server = http.createServer();
	const io = new Server(server, { transports: ['websocket'] });
	const received: number[] = [];
	const held: Ack[] = [];
	io.on('connection', (socket) => {
		socket.on('yjs:sync', (payload: { message: Uint8Array }, ack: Ack) => {
			const type = payload.message[0]; // y-protocols sync: 0 step 1, 1 step 2, 2 update
			if (type === 2) {
				received.push(performance.now());
				held.push(ack);
			} else ack({ ok: true, data: null });
		});
		socket.on('yjs:awareness', (_p: unknown, ack: Ack) => ack({ ok: true, data: null }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		received,
		answerAll: () => held.splice(0).forEach((ack) => ack({ ok: true, data: null })),
		close: () => new Promise<void>((resolve) => io.close(() => resolve()))
	};
}

describe('provider flow control', () => {
	const closers: (() => unknown)[] = [];
	afterEach(async () => {
		for (const close of closers.splice(0).reverse()) await close();
	});

	it('sends each keystroke within a window while earlier ones wait for answers, up to maxInFlight, then merges', async () => {
		const server = await lateAnsweringServer();
		closers.push(server.close);
		const socket = ioClient(server.url, { transports: ['websocket'], forceNew: true, reconnection: false }) as unknown as YjsProviderSocket;
		closers.push(() => socket.disconnect());
		const doc = new Y.Doc();
		const awareness = new Awareness(doc);
		const provider = new SocketIoYjsProvider(socket, 'room', doc, awareness, { sendWindowMs: 20, maxInFlight: 3 });
		closers.push(
			() => provider.destroy(),
			() => awareness.destroy()
		);
		await waitFor(() => socket.connected, 'the socket to connect');

		const text = doc.getText(PROMPT_TEXT);
		for (const key of 'abcde') {
			text.insert(text.length, key);
			await sleep(30); // slower than the window: each keystroke could go out on its own
		}
		await sleep(50);
		// Nothing was answered: three went out (one per keystroke, no waiting for acks), the other two wait.
		expect(server.received).toHaveLength(3);
		server.answerAll();
		await waitFor(() => server.received.length === 4, 'the waiting keystrokes to go out');
		await sleep(50);
		expect(server.received).toHaveLength(4); // merged into one message
	});
});

describe('pipelined updates on the app', () => {
	let server: TestServer;
	const editors: Editor[] = [];
	afterEach(async () => {
		for (const e of editors.splice(0)) e.close();
		await server?.close();
	});

	it('a non-driver in a drivers-only room types fast: every update is judged in order and none is refused', async () => {
		server = await startTestServer();
		const owner = await server.user('Owner');
		const room = await server.ctx.rooms.create({ id: owner.id }, { name: 'Drivers', visibility: 'private' });
		const [member] = await addMembers(server, room.inviteToken!, ['Member']);
		const steering = await server.ctx.rooms.setSteering({ id: owner.id }, room.id, 'drivers');
		expect(steering.ok).toBe(true);
		const typist = await openSyncedEditor(server, member, room.id);
		const watcher = await openSyncedEditor(server, owner, room.id);
		editors.push(typist, watcher);

		const text = typist.doc.getText(PROMPT_TEXT);
		const words = Array.from({ length: 60 }, (_, i) => `w${i} `);
		for (const word of words) {
			text.insert(text.length, word);
			await sleep(2);
		}
		await waitFor(() => watcher.text() === words.join(''), 'the owner to see every word', 15_000);
		expect(typist.errors).toEqual([]);
	});
});
