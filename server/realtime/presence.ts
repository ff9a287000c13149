import type { OnlineUser } from '../../src/lib/contract/rooms';
import { roomChannel, type AppServer } from './types';

/**
 * Who is online in a room, one entry per user however many tabs they have open. Asks the adapter, so with the
 * Redis adapter it counts sockets on every node.
 */
export async function onlineUsers(io: AppServer, roomId: string): Promise<OnlineUser[]> {
	const sockets = await io.in(roomChannel(roomId)).fetchSockets();
	const byId = new Map<string, OnlineUser>();
	for (const s of sockets) byId.set(s.data.user.id, { id: s.data.user.id, name: s.data.user.name });
	return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether any socket of the user (another tab, another node) is in the room's channel. */
export async function isUserOnline(io: AppServer, roomId: string, userId: string): Promise<boolean> {
	return (await io.in(roomChannel(roomId)).fetchSockets()).some((s) => s.data.user.id === userId);
}

export async function broadcastPresence(io: AppServer, roomId: string): Promise<void> {
	io.to(roomChannel(roomId)).emit('presence', { roomId, online: await onlineUsers(io, roomId) });
}
