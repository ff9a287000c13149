import type { PullState, Role } from '../../src/lib/contract/admin';
import type { Logger } from '../logger';
import { listen } from '../listen';
import type { ModelManager } from '../models/manager';
import { ADMINS_CHANNEL, userChannel, type AppServer, type AppSocket } from '../realtime/types';

export { ADMINS_CHANNEL };
import type { PullTracker } from './pulls';


/**
 * Called for each new socket (server/hub/socket-hub.ts): admins join the admins channel. A socket restored by
 * connection-state recovery comes back with its old channels, so a user demoted meanwhile is taken out again.
 */
export function registerAdminRealtime(_io: AppServer, socket: AppSocket, deps: { logger: Logger }): void {
	if (socket.data.user.role === 'admin') {
		void socket.join(ADMINS_CHANNEL);
		deps.logger.debug({ userId: socket.data.user.id }, 'admin socket joined the admins channel');
	} else if (socket.rooms.has(ADMINS_CHANNEL)) {
		void socket.leave(ADMINS_CHANNEL);
	}
}

/** After a role change: the user's sockets join or leave the admins channel and carry the new role. */
export async function applyRoleToSockets(io: AppServer | undefined, userId: string, role: Role): Promise<void> {
	if (!io) return;
	const sockets = io.in(userChannel(userId));
	if (role === 'admin') sockets.socketsJoin(ADMINS_CHANNEL);
	else sockets.socketsLeave(ADMINS_CHANNEL);
	for (const socket of await sockets.fetchSockets()) socket.data.user = { ...socket.data.user, role };
}

/**
 * Forwards the model cache's events and pull progress to the admins channel as `cache:*` events.
 * `io` is read on every event: the app context exists before Socket.IO is attached. Returns the unsubscribe.
 */
export function forwardCacheEvents(manager: ModelManager, pulls: PullTracker, io: () => AppServer | undefined): () => void {
	const admins = () => io()?.to(ADMINS_CHANNEL);
	const now = Date.now;
	const stopCache = listen(manager, {
		loading: (e) => admins()?.emit('cache:loading', { ...e, at: now() }),
		loaded: (e) => admins()?.emit('cache:loaded', { ...e, at: now() }),
		evicted: (e) => admins()?.emit('cache:evicted', { ...e, at: now() }),
		unloaded: (e) => admins()?.emit('cache:unloaded', { ...e, at: now() }),
		failed: (e) => admins()?.emit('cache:failed', { ...e, at: now() })
	});
	const stopPulls = listen(pulls, { update: (state: PullState) => admins()?.emit('cache:pull', state) });
	return () => {
		stopCache();
		stopPulls();
	};
}
