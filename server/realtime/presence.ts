import type { OnlineUser } from '../../src/lib/contract/rooms';
import type { Logger } from '../logger';
import { roomChannel, type AppServer } from './types';

/** The users whose sockets are in a room's channel; `partial` when another node did not answer in time. */
export interface RoomPresence {
	online: OnlineUser[];
	partial: boolean;
	has(userId: string): boolean;
}

/**
 * Who is online in a room, one entry per user however many tabs they have open. Asks the adapter, so with the
 * Redis adapter it counts sockets on every node. A node that does not answer (busy, or dying before the cluster
 * notices) must not fail a join: then this node's own sockets are the answer, flagged `partial`, and the next
 * presence change corrects it.
 */
export async function roomPresence(io: AppServer, roomId: string, log?: Logger): Promise<RoomPresence> {
	const channel = roomChannel(roomId);
	let partial = false;
	const sockets = await io
		.in(channel)
		.fetchSockets()
		.catch(async (err: unknown) => {
			log?.warn({ err, roomId }, 'another node did not answer who is in the room: presence from this node only');
			partial = true;
			return io.local.in(channel).fetchSockets();
		});
	const byId = new Map<string, OnlineUser>();
	for (const s of sockets) byId.set(s.data.user.id, { id: s.data.user.id, name: s.data.user.name });
	const online = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
	return { online, partial, has: (userId) => byId.has(userId) };
}

export async function broadcastPresence(io: AppServer, roomId: string, log?: Logger): Promise<void> {
	io.to(roomChannel(roomId)).emit('presence', { roomId, online: (await roomPresence(io, roomId, log)).online });
}
