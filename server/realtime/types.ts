import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../../src/lib/contract/events';

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

// Socket.IO room names: one per prompt room, per user (all their tabs), per login session (logout closes it) and per
// API key (revoking it closes it).
export const roomChannel = (roomId: string) => `room:${roomId}`;
export const userChannel = (userId: string) => `user:${userId}`;
export const sessionChannel = (sessionId: string) => `session:${sessionId}`;
export const apiKeyChannel = (keyId: string) => `apikey:${keyId}`;
/** Every admin socket: the only receivers of `cache:*` events. */
export const ADMINS_CHANNEL = 'admins';
/** Sockets in at least one room: the only receivers of telemetry. */
export const TELEMETRY_CHANNEL = 'telemetry';
