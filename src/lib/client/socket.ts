import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '$contract/events';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let shared: AppSocket | undefined;

/**
 * One socket per tab, authenticated by the session cookie, shared by every room component. WebSocket first: one
 * connection that stays on one web node, so a cluster needs no sticky sessions for it. Long-polling only when
 * WebSocket cannot open (tryAllTransports; without it the client would retry WebSocket for ever); its requests must
 * all reach the same node, which is what the sticky-session rule in docs/ARCHITECTURE.md is for.
 */
export function appSocket(): AppSocket {
	shared ??= io({ withCredentials: true, transports: ['websocket', 'polling'], tryAllTransports: true });
	return shared;
}
