import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '$contract/events';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let shared: AppSocket | undefined;

/** One socket per tab, authenticated by the session cookie, shared by every room component. */
export function appSocket(): AppSocket {
	shared ??= io({ withCredentials: true, transports: ['websocket', 'polling'] });
	return shared;
}
