import type { AppServer } from './types';

/** What a refused client sees as `connect_error`: `err.message`, and `err.data.code` to switch on. */
export class ConnectionLimitError extends Error {
	readonly data = { code: 'rate_limited' as const };
}

/**
 * Who holds how many open sockets. In one process a count in memory; in a cluster a Redis set per user that every
 * node adds to (server/cluster/connection-slots.ts), so the cap holds whichever nodes the tabs connect to.
 */
export interface ConnectionSlots {
	/** Takes a slot for the socket unless the user holds `max` already; says whether it did. */
	reserve(userId: string, socketId: string, max: number): Promise<boolean>;
	/** Gives the socket's slot back (called once per reserved socket). */
	release(userId: string, socketId: string): void;
	close(): Promise<void>;
}

export function memoryConnectionSlots(): ConnectionSlots {
	const open = new Map<string, number>();
	return {
		async reserve(userId, _socketId, max) {
			const count = open.get(userId) ?? 0;
			if (count >= max) return false;
			open.set(userId, count + 1);
			return true;
		},
		release(userId) {
			const left = (open.get(userId) ?? 1) - 1;
			if (left > 0) open.set(userId, left);
			else open.delete(userId);
		},
		async close() {}
	};
}

/**
 * SOCKET_MAX_CONNECTIONS_PER_USER: a user's open sockets are capped (on this process, or on every node with Redis
 * slots); one more is refused at the handshake. Register it after every middleware that can refuse (it reserves a
 * slot that only the socket's disconnect, or the closing of a connection that never completed, gives back).
 */
export function limitConnectionsPerUser(io: AppServer, max: number, slots: ConnectionSlots = memoryConnectionSlots()): void {
	io.use(async (socket, next) => {
		const userId = socket.data.user.id;
		if (socket.conn.readyState !== 'open') return next(); // gone already: Socket.IO drops it, nothing to count
		let reserved: boolean;
		try {
			reserved = await slots.reserve(userId, socket.id, max);
		} catch {
			return next(new Error('internal')); // the count is unreachable: refuse rather than let the cap go
		}
		if (!reserved) {
			return next(
				new ConnectionLimitError(
					`Too many open connections for this account (SOCKET_MAX_CONNECTIONS_PER_USER: ${max}); close another tab or window, then reload`
				)
			);
		}
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			slots.release(userId, socket.id);
		};
		socket.once('disconnect', release);
		socket.conn.once('close', release);
		// It may have closed while the slot was being reserved: its close event has passed, give the slot back now.
		if (socket.conn.readyState !== 'open') release();
		next();
	});
}
