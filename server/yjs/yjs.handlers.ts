import { applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import { yjsAwarenessSchema, yjsLeaveSchema, yjsSyncSchema } from '../../src/lib/contract/yjs';
import { TokenBucketLimiter } from '../auth/rate-limit';
import type { Logger } from '../logger';
import { handler } from '../realtime/handler';
import { serially } from '../realtime/serially';
import type { AppServer, AppSocket } from '../realtime/types';
import type { RoomsService } from '../rooms/rooms.service';
import { AwarenessRelay } from './awareness-relay';
import { firstInvalidAwarenessState, withIdentity } from './awareness-state';
import type { RoomDoc, YjsDocStore } from './doc-store';
import { DocSizeCap } from './doc-size';
import { defaultYjsLimits, type YjsLimits } from './limits';
import { deleteFrom, mapOf } from './nested-maps';
import { UpdateBroadcaster } from './update-broadcaster';
import {
	applySyncMessage,
	decodeAwarenessUpdate,
	decodeSyncMessage,
	encodeAwarenessEntries,
	encodeUpdateMessage,
	MalformedMessageError,
	type AwarenessEntry,
	type SyncMessage
} from './protocol';
import { changesSettings } from './settings-guard';

/** Socket.IO room of the sockets editing a room's prompt (separate from `room:<id>`, the presence channel). */
export const yjsChannel = (roomId: string) => `yjs:${roomId}`;

export interface YjsRealtimeDeps {
	docs: YjsDocStore;
	rooms: RoomsService;
	log: Logger;
	limits?: Partial<YjsLimits>;
}

/** One socket editing one room's document. */
interface Subscription {
	roomId: string;
	socket: AppSocket;
	room: RoomDoc;
	/** Awareness client ids this socket speaks for; removed for everyone when it leaves. */
	clients: Set<number>;
	relay: AwarenessRelay;
}

/**
 * The `yjs:*` events: members sync the room's document with y-protocols and share awareness. One instance per
 * Socket.IO server; `registerYjsHandlers` is called for every connection.
 */
export function createYjsRealtime(io: AppServer, deps: YjsRealtimeDeps) {
	const limits: YjsLimits = { ...defaultYjsLimits, ...deps.limits };
	const syncLimiter = new TokenBucketLimiter(limits.syncMessagesPerSecond, 1000);
	const awarenessLimiter = new TokenBucketLimiter(limits.awarenessMessagesPerSecond, 1000);
	const docSize = new DocSizeCap(limits.maxDocBytes);
	const bySocket = new Map<string, Map<string, Promise<Result<Subscription>>>>();
	const byRoom = new Map<string, Map<string, Subscription>>();
	const awarenessOwners = new Map<string, Map<number, Subscription>>();

	// Every change to a loaded document goes to the room's other editors, coalesced per frame and encoded once. To
	// this node's sockets only (io.local): every node holding the document sends its own sockets the changes it
	// applies, its clients' and those relayed from other nodes (yjs/relay.ts), so nothing arrives twice.
	const broadcaster = new UpdateBroadcaster((roomId, update, origin) => {
		const channel = io.local.to(yjsChannel(roomId));
		const target = typeof origin === 'string' ? channel.except(origin) : channel;
		target.emit('yjs:sync', { roomId, message: encodeUpdateMessage(update) });
	}, limits.broadcastWindowMs);
	const onDocUpdate = (roomId: string, update: Uint8Array, origin: unknown) => broadcaster.push(roomId, update, origin);
	deps.docs.events.on('update', onDocUpdate);
	const onPeerAwareness = (roomId: string, message: Uint8Array) =>
		io.local.to(yjsChannel(roomId)).emit('yjs:awareness', { roomId, message });
	deps.docs.events.on('awareness', onPeerAwareness);

	// A removed member stops receiving the document at once, like the presence channel in attach.ts. In a cluster the
	// hub also calls this for removals another node made (its sockets here hold subscriptions too).
	const onMemberRemoved = ({ roomId, userId }: { roomId: string; userId: string }) => {
		for (const sub of [...(byRoom.get(roomId)?.values() ?? [])]) {
			if (sub.socket.data.user.id === userId) unsubscribe(sub);
		}
	};
	deps.rooms.events.on('member-removed', onMemberRemoved);

	async function subscribe(socket: AppSocket, roomId: string): Promise<Result<Subscription>> {
		if (!(await deps.rooms.isMember(socket.data.user, roomId))) {
			return fail('forbidden', 'Only members of this room can open its prompt');
		}
		const room = await deps.docs.acquire(roomId);
		if (socket.disconnected) {
			deps.docs.release(roomId);
			return fail('bad_request', 'The socket disconnected');
		}
		await socket.join(yjsChannel(roomId));
		const sub: Subscription = {
			roomId,
			socket,
			room,
			clients: new Set(),
			relay: new AwarenessRelay(limits.awarenessIntervalMs, (ids) => relayAwareness(sub, ids))
		};
		mapOf(byRoom, roomId).set(socket.id, sub);
		return ok(sub);
	}

	/** The socket's subscription to the room, created (after the membership check) on its first message. */
	function subscription(socket: AppSocket, roomId: string): Promise<Result<Subscription>> {
		const mine = mapOf(bySocket, socket.id);
		let pending = mine.get(roomId);
		if (!pending) {
			const created = subscribe(socket, roomId);
			// A refusal is not remembered: a member added later may try again.
			const forget = () => mine.get(roomId) === created && deleteFrom(bySocket, socket.id, roomId);
			created.then((r) => !r.ok && forget(), forget);
			mine.set(roomId, created);
			pending = created;
		}
		return pending;
	}

	function relayAwareness(sub: Subscription, clientIds: number[]) {
		const known = clientIds.filter((id) => sub.room.awareness.meta.has(id));
		if (known.length === 0) return;
		const message = encodeAwarenessUpdate(sub.room.awareness, known);
		io.local.to(yjsChannel(sub.roomId)).except(sub.socket.id).emit('yjs:awareness', { roomId: sub.roomId, message });
		deps.docs.publishAwareness(sub.roomId, message);
	}

	/** Leaves the room's document: the others see this socket's cursors disappear at once (not after 30 s). */
	function unsubscribe(sub: Subscription) {
		const { roomId, socket, room } = sub;
		if (byRoom.get(roomId)?.get(socket.id) !== sub) return;
		deleteFrom(byRoom, roomId, socket.id);
		if (!byRoom.has(roomId)) broadcaster.forget(roomId);
		deleteFrom(bySocket, socket.id, roomId);
		sub.relay.cancel();
		const owners = awarenessOwners.get(roomId);
		for (const id of sub.clients) if (owners?.get(id) === sub) deleteFrom(awarenessOwners, roomId, id);
		const present = [...sub.clients].filter((id) => room.awareness.states.has(id));
		if (present.length > 0) {
			removeAwarenessStates(room.awareness, present, 'left');
			const message = encodeAwarenessUpdate(room.awareness, present);
			io.local.to(yjsChannel(roomId)).except(socket.id).emit('yjs:awareness', { roomId, message });
			deps.docs.publishAwareness(roomId, message);
		}
		void socket.leave(yjsChannel(roomId));
		deps.docs.release(roomId);
	}

	/** A socket may speak for awareness clients nobody else holds, or that another tab of the same user held. */
	function claimAwarenessClients(sub: Subscription, ids: number[]): Result<null> {
		const owners = mapOf(awarenessOwners, sub.roomId);
		for (const id of ids) {
			const owner = owners.get(id);
			// Held on another node: the state it relayed names its user (stamped there by withIdentity).
			const heldBy = (sub.room.awareness.states.get(id)?.user as { id?: unknown } | undefined)?.id;
			const someoneElse = owner
				? owner !== sub && owner.socket.data.user.id !== sub.socket.data.user.id
				: heldBy !== undefined && heldBy !== sub.socket.data.user.id;
			if (someoneElse || id === sub.room.awareness.clientID) return fail('forbidden', `Awareness client ${id} belongs to someone else`);
		}
		const added = new Set(ids.filter((id) => !sub.clients.has(id)));
		if (sub.clients.size + added.size > limits.maxAwarenessClientsPerSocket) {
			return fail('bad_request', `At most ${limits.maxAwarenessClientsPerSocket} awareness clients per connection`);
		}
		for (const id of added) {
			owners.get(id)?.clients.delete(id); // taken over from the same user's other socket (e.g. a reconnect)
			owners.set(id, sub);
			sub.clients.add(id);
		}
		return ok(null);
	}

	function registerYjsHandlers(socket: AppSocket, log: Logger) {
		const caller = socket.data.user;
		// A socket's document messages are handled one at a time, in the order they came: the provider sends updates
		// without waiting for acks, and an update judged before the one it builds on was applied would look pending.
		const inArrivalOrder = serially();

		socket.on(
			'yjs:sync',
			handler(log, 'yjs:sync', yjsSyncSchema, ({ roomId, message }) =>
				inArrivalOrder(async () => {
					if (message.byteLength > limits.maxMessageBytes) {
						return fail(
							'too_large',
							`A document message may be at most ${limits.maxMessageBytes} bytes (YJS_MAX_MESSAGE_BYTES); this one is ${message.byteLength}`
						);
					}
					if (!syncLimiter.take(socket.id)) {
						return fail(
							'rate_limited',
							`Too many document messages (YJS_SYNC_MESSAGES_PER_SECOND: ${limits.syncMessagesPerSecond}); retry in ${syncLimiter.retryAfterMs(socket.id)} ms`
						);
					}
					const subscribed = await subscription(socket, roomId);
					if (!subscribed.ok) return subscribed;
					const { room } = subscribed.data;
					let decoded: SyncMessage;
					try {
						decoded = decodeSyncMessage(message);
					} catch (err) {
						if (err instanceof MalformedMessageError) return fail('bad_request', err.message);
						throw err;
					}
					// Drivers-only rooms: the run settings are part of steering. A non-driver's update that would change them is
					// refused whole before it reaches the document, so nobody sees it and no draft run uses it. No await between
					// the check and the apply: nothing else can change the document in between.
					const mayChangeSettings = decoded.kind === 'step1' || (await deps.rooms.maySteer(caller, roomId)).ok;
					if (byRoom.get(roomId)?.get(socket.id) !== subscribed.data) return fail('forbidden', 'You left this room’s prompt');
					let handled: ReturnType<typeof applySyncMessage>;
					try {
						if (!mayChangeSettings && decoded.kind !== 'step1' && changesSettings(room.doc, decoded.update)) {
							return fail('forbidden', 'Only drivers can change the run settings in this room; ask the owner');
						}
						if (decoded.kind !== 'step1') {
							const fits = docSize.admit(room.doc, decoded.update);
							if (!fits.ok) return fits;
						}
						handled = applySyncMessage(room.doc, decoded, socket.id);
					} catch (err) {
						if (err instanceof MalformedMessageError) return fail('bad_request', err.message);
						throw err;
					}
					for (const reply of handled.replies) socket.emit('yjs:sync', { roomId, message: reply });
					if (handled.kind === 'step1' && room.awareness.states.size > 0) {
						const everyone = encodeAwarenessUpdate(room.awareness, [...room.awareness.states.keys()]);
						socket.emit('yjs:awareness', { roomId, message: everyone });
					}
					return ok(null);
				})
			)
		);

		socket.on(
			'yjs:awareness',
			handler(log, 'yjs:awareness', yjsAwarenessSchema, async ({ roomId, message }) => {
				if (message.byteLength > limits.maxAwarenessBytes) {
					return fail('too_large', `An awareness message may be at most ${limits.maxAwarenessBytes} bytes (YJS_MAX_AWARENESS_BYTES)`);
				}
				if (!awarenessLimiter.take(socket.id)) {
					return fail(
						'rate_limited',
						`Too many awareness messages (YJS_AWARENESS_MESSAGES_PER_SECOND: ${limits.awarenessMessagesPerSecond}); retry in ${awarenessLimiter.retryAfterMs(socket.id)} ms`
					);
				}
				const subscribed = await subscription(socket, roomId);
				if (!subscribed.ok) return subscribed;
				const sub = subscribed.data;
				let entries: AwarenessEntry[];
				try {
					entries = decodeAwarenessUpdate(message);
				} catch (err) {
					if (err instanceof MalformedMessageError) return fail('bad_request', err.message);
					throw err;
				}
				const invalid = firstInvalidAwarenessState(entries);
				if (invalid) return fail('bad_request', invalid);
				const ids = entries.map((e) => e.clientId);
				const claimed = claimAwarenessClients(sub, ids);
				if (!claimed.ok) return claimed;
				const stamped = entries.map((e) => ({ ...e, state: e.state && withIdentity(e.state, caller) }));
				applyAwarenessUpdate(sub.room.awareness, encodeAwarenessEntries(stamped), socket.id);
				sub.relay.note(ids);
				return ok(null);
			})
		);

		socket.on(
			'yjs:leave',
			handler(log, 'yjs:leave', yjsLeaveSchema, async ({ roomId }) => {
				const subscribed = await bySocket.get(socket.id)?.get(roomId);
				if (subscribed?.ok) unsubscribe(subscribed.data);
				return ok(null);
			})
		);

		socket.on('disconnect', () => {
			for (const pending of bySocket.get(socket.id)?.values() ?? []) {
				void pending.then(
					(r) => r.ok && unsubscribe(r.data),
					() => {}
				);
			}
			bySocket.delete(socket.id);
			syncLimiter.forget(socket.id); // keyed by socket id: nothing else removes them (soak, issue #12)
			awarenessLimiter.forget(socket.id);
		});
	}

	return {
		registerYjsHandlers,
		/** A member was removed on another node: drop their subscriptions here too. */
		memberRemoved: onMemberRemoved,
		/** Sockets with a rate-limit bucket (for tests): none once they have all left. */
		rateLimitedSockets: () => syncLimiter.size + awarenessLimiter.size,
		close() {
			deps.docs.events.off('update', onDocUpdate);
			deps.docs.events.off('awareness', onPeerAwareness);
			deps.rooms.events.off('member-removed', onMemberRemoved);
			for (const subs of byRoom.values()) for (const sub of subs.values()) sub.relay.cancel();
			broadcaster.close();
		}
	};
}

export type YjsRealtime = ReturnType<typeof createYjsRealtime>;
