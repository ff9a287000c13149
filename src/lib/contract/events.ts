// The one typed Socket.IO contract shared by the browser and server/. Only zod and types here: no runtime deps.
import { z } from 'zod';
import type { Result } from './result';
import { roomIdSchema, type OnlineUser, type RoomDetail, type RoomMember } from './rooms';

export const roomJoinSchema = z.object({ roomId: roomIdSchema });
export const roomLeaveSchema = z.object({ roomId: roomIdSchema });

export interface RoomJoined {
	room: RoomDetail;
	online: OnlineUser[];
}

export interface PresencePayload {
	roomId: string;
	online: OnlineUser[];
}

export interface ClientToServerEvents {
	'room:join': (payload: z.input<typeof roomJoinSchema>, ack: (result: Result<RoomJoined>) => void) => void;
	'room:leave': (payload: z.input<typeof roomLeaveSchema>, ack: (result: Result<null>) => void) => void;
}

export interface ServerToClientEvents {
	presence: (payload: PresencePayload) => void;
	/** The room's member list changed (someone joined, left or was removed). */
	'room:members': (payload: { roomId: string; members: RoomMember[] }) => void;
	/** You were removed from a room (or it was deleted): drop its state. */
	'room:removed': (payload: { roomId: string }) => void;
}

export interface InterServerEvents {
	ping: () => void;
}

export interface SocketUser {
	id: string;
	name: string;
	role: 'admin' | 'member';
}

export interface SocketData {
	user: SocketUser;
	/** Session id when the socket authenticated by cookie, so logout can close it. */
	sessionId?: string;
}
