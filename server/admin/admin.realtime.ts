import type { ClusterParts } from '../cluster/cluster';
import type { Logger } from '../logger';
import { listen } from '../listen';
import type { ModelManager } from '../models/manager';
import { ADMINS_CHANNEL, userChannel, type AppServer, type AppSocket } from '../realtime/types';
import type { AdminService } from './admin.service';

export { ADMINS_CHANNEL };

/**
 * Called for each new socket by the hub: admins join the admins channel. A socket restored by connection-state
 * recovery comes back with its old channels, so a user demoted meanwhile is taken out again.
 */
export function joinAdminChannel(socket: AppSocket, logger: Logger): void {
	if (socket.data.user.role === 'admin') {
		void socket.join(ADMINS_CHANNEL);
		logger.debug({ userId: socket.data.user.id }, 'admin socket joined the admins channel');
	} else if (socket.rooms.has(ADMINS_CHANNEL)) {
		void socket.leave(ADMINS_CHANNEL);
	}
}

/**
 * The admin console on the socket side: the model cache's events and pull progress go to the admins channel as
 * `cache:*`, and a role change moves the user's open sockets in or out of it. Returns the unsubscribe.
 */
export function registerAdminRealtime(
	io: AppServer,
	deps: { admin: AdminService; manager: ModelManager; cluster?: Pick<ClusterParts, 'cacheEvents'>; logger: Logger }
): () => void {
	const admins = () => io.to(ADMINS_CHANNEL);
	const now = Date.now;
	const stops = [
		listen(deps.manager, {
			loading: (e) => admins().emit('cache:loading', { ...e, at: now() }),
			loaded: (e) => admins().emit('cache:loaded', { ...e, at: now() }),
			evicted: (e) => admins().emit('cache:evicted', { ...e, at: now() }),
			unloaded: (e) => admins().emit('cache:unloaded', { ...e, at: now() }),
			failed: (e) => admins().emit('cache:failed', { ...e, at: now() })
		}),
		listen(deps.admin.events, {
			pull: (state) => admins().emit('cache:pull', state),
			'role-changed': ({ userId, role }) => {
				const sockets = io.in(userChannel(userId));
				if (role === 'admin') sockets.socketsJoin(ADMINS_CHANNEL);
				else sockets.socketsLeave(ADMINS_CHANNEL);
				sockets
					.fetchSockets()
					.then((list) => {
						for (const socket of list) socket.data.user = { ...socket.data.user, role };
					})
					.catch((err) => deps.logger.error({ err, userId }, 'could not apply a role change to sockets'));
			}
		})
	];
	// In a cluster the models live on workers: each web node hears every worker's events and tells its own admins.
	let relaying = true;
	deps.cluster
		?.cacheEvents((name, payload) => {
			if (relaying) io.local.to(ADMINS_CHANNEL).emit(`cache:${name}`, payload as never);
		})
		.catch((err) => deps.logger.error({ err }, 'could not subscribe to the workers’ cache events'));
	return () => {
		relaying = false;
		for (const stop of stops) stop();
	};
}
