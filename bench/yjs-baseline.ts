// The baseline of bench/yjs.bench.ts: a bare Socket.IO server that speaks the same `yjs:*` events the way
// y-websocket's server does (one Y.Doc per room, y-protocols sync, every update relayed at once to the room's other
// sockets) with no membership checks, limits, coalescing or persistence. The same editor processes type against it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { Server } from 'socket.io';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

type Ack = (result: { ok: true; data: null }) => void;
type Payload = { roomId: string; message: Uint8Array };

export async function startBareYjsRelay(): Promise<{ url: string; close(): Promise<void> }> {
	const server = http.createServer();
	const io = new Server(server, { transports: ['websocket'] });
	const docs = new Map<string, Y.Doc>();

	function docOf(roomId: string): Y.Doc {
		let doc = docs.get(roomId);
		if (!doc) {
			const created = new Y.Doc();
			created.on('update', (update: Uint8Array, origin: unknown) => {
				const encoder = encoding.createEncoder();
				syncProtocol.writeUpdate(encoder, update);
				const message = encoding.toUint8Array(encoder);
				const room = io.to(`yjs:${roomId}`);
				(typeof origin === 'string' ? room.except(origin) : room).emit('yjs:sync', { roomId, message });
			});
			docs.set(roomId, (doc = created));
		}
		return doc;
	}

	io.on('connection', (socket) => {
		socket.on('yjs:sync', ({ roomId, message }: Payload, ack: Ack) => {
			void socket.join(`yjs:${roomId}`);
			const reply = encoding.createEncoder();
			syncProtocol.readSyncMessage(decoding.createDecoder(new Uint8Array(message)), reply, docOf(roomId), socket.id);
			if (encoding.length(reply) > 0) socket.emit('yjs:sync', { roomId, message: encoding.toUint8Array(reply) });
			ack({ ok: true, data: null });
		});
		socket.on('yjs:awareness', (_payload: Payload, ack: Ack) => ack({ ok: true, data: null }));
		socket.on('yjs:leave', (_payload: Payload, ack: Ack) => ack({ ok: true, data: null }));
	});

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => new Promise<void>((resolve) => io.close(() => resolve()))
	};
}
