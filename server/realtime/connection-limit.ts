import type { AppServer } from './types';

/** What a refused client sees as `connect_error`: `err.message`, and `err.data.code` to switch on. */
export class ConnectionLimitError extends Error {
	readonly data = { code: 'rate_limited' as const };
}

/**
 * SOCKET_MAX_CONNECTIONS_PER_USER: a user's open sockets in this process are capped; one more is refused at the
 * handshake. Register it after every middleware that can refuse (it reserves a slot that only the socket's
 * disconnect, or the closing of a connection that never completed, gives back).
 */
export function limitConnectionsPerUser(io: AppServer, max: number): void {
	const open = new Map<string, number>();

	io.use((socket, next) => {
		const userId = socket.data.user.id;
		const count = open.get(userId) ?? 0;
		if (count >= max) {
			return next(
				new ConnectionLimitError(
					`Too many open connections for this account (SOCKET_MAX_CONNECTIONS_PER_USER: ${max}); close another tab or window, then reload`
				)
			);
		}
		if (socket.conn.readyState !== 'open') return next(); // gone already: Socket.IO drops it, nothing to count
		open.set(userId, count + 1);
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			const left = (open.get(userId) ?? 1) - 1;
			if (left > 0) open.set(userId, left);
			else open.delete(userId);
		};
		socket.once('disconnect', release);
		socket.conn.once('close', release);
		next();
	});
}
