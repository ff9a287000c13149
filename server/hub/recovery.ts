import type { SocketData } from '../../src/lib/contract/events';
import type { Logger } from '../logger';
import type { RoomsService } from '../rooms/rooms.service';
import { broadcastPresence } from '../realtime/presence';
import {
	ADMINS_CHANNEL,
	apiKeyChannel,
	sessionChannel,
	TELEMETRY_CHANNEL,
	userChannel,
	type AppServer,
	type AppSocket
} from '../realtime/types';

/** The room a `room:<id>` or `yjs:<id>` channel belongs to; null for other channels. */
function roomOf(channel: string): string | null {
	const match = /^(?:room|yjs):(.+)$/.exec(channel);
	return match ? match[1] : null;
}

/**
 * Channels a socket that came back through connection-state recovery may not keep: rooms (and their documents) the
 * user is no longer a member of, another identity's user/session/key channels, and any kind of channel this function
 * does not know (a new kind must be added here, or it is dropped on recovery like on a fresh connection).
 */
export async function staleChannels(
	rooms: RoomsService,
	who: Pick<SocketData, 'user' | 'sessionId' | 'apiKeyId'> & { socketId: string },
	channels: Iterable<string>
): Promise<string[]> {
	const stale: string[] = [];
	const memberOf = new Map<string, Promise<boolean>>();
	let inARoom = false;
	for (const channel of channels) {
		const roomId = roomOf(channel);
		if (roomId !== null) {
			if (!memberOf.has(roomId)) memberOf.set(roomId, rooms.isMember(who.user, roomId));
			if (await memberOf.get(roomId)) inARoom ||= channel.startsWith('room:');
			else stale.push(channel);
			continue;
		}
		const keep =
			channel === who.socketId ||
			channel === userChannel(who.user.id) ||
			(who.sessionId !== undefined && channel === sessionChannel(who.sessionId)) ||
			(who.apiKeyId !== undefined && channel === apiKeyChannel(who.apiKeyId)) ||
			channel === ADMINS_CHANNEL || // re-checked against the role by joinAdminChannel on connection
			channel === TELEMETRY_CHANNEL; // decided below: only while in a room
		if (!keep) stale.push(channel);
	}
	if (!inARoom) {
		for (const channel of channels) if (channel === TELEMETRY_CHANNEL) stale.push(channel);
	}
	return stale;
}

/**
 * Connection-state recovery restores a socket's channels and replays the packets it missed, before any handler
 * runs. Someone removed from a room while disconnected would get the room's events again, so:
 *  - a stored session is only restored while its user is still a member of every room it was in; otherwise the
 *    client gets a fresh connection (its own room:join then checks membership), and none of the missed packets;
 *  - a restored socket's channels are checked again once it has authenticated (the membership may have changed
 *    in the meantime, or the handshake may carry someone else's credentials).
 * Call after the authentication middleware (it reads socket.data) and after any adapter is set.
 */
export function guardRecovery(io: AppServer, deps: { rooms: RoomsService; log: Logger }): void {
	const adapter = io.of('/').adapter;
	const restore = adapter.restoreSession.bind(adapter);
	adapter.restoreSession = async (pid, offset) => {
		const session = await restore(pid, offset);
		if (!session) return session;
		try {
			const data = session.data as Partial<SocketData> | undefined;
			if (data?.user) {
				const who = { user: data.user, sessionId: data.sessionId, apiKeyId: data.apiKeyId, socketId: session.sid };
				const stale = await staleChannels(deps.rooms, who, session.rooms);
				if (!stale.some((channel) => roomOf(channel) !== null)) return session;
			}
		} catch (err) {
			deps.log.error({ err }, 'checking a session to recover failed; the client gets a fresh one');
		}
		return null as unknown as typeof session; // not restored: the client connects afresh
	};

	io.use(async (socket, next) => {
		if (!socket.recovered) return next();
		try {
			const who = { ...socket.data, socketId: socket.id };
			for (const channel of await staleChannels(deps.rooms, who, [...socket.rooms])) await socket.leave(channel);
			next();
		} catch (err) {
			deps.log.error({ err }, 'checking a recovered socket failed');
			next(new Error('internal'));
		}
	});

	// The disconnect told the room this user went offline; a recovered socket is back without a room:join.
	io.on('connection', (socket: AppSocket) => {
		if (!socket.recovered) return;
		for (const channel of socket.rooms) {
			if (!channel.startsWith('room:')) continue;
			const roomId = channel.slice('room:'.length);
			broadcastPresence(io, roomId, deps.log).catch((err) => deps.log.error({ err, roomId }, 'presence broadcast failed'));
		}
	});
}
