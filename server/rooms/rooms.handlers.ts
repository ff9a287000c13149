import { roomJoinSchema, roomLeaveSchema } from '../../src/lib/contract/events';
import { ok } from '../../src/lib/contract/result';
import type { Logger } from '../logger';
import { handler } from '../realtime/handler';
import { roomPresence } from '../realtime/presence';
import { roomChannel, type AppServer, type AppSocket } from '../realtime/types';
import type { RoomFeed } from './room-feed';
import type { RoomsService } from './rooms.service';

export function registerRoomHandlers(io: AppServer, socket: AppSocket, deps: { rooms: RoomsService; log: Logger; live: RoomFeed }) {
	const caller = socket.data.user;

	socket.on(
		'room:join',
		handler(deps.log, 'room:join', roomJoinSchema, async ({ roomId }) => {
			const joined = await deps.rooms.join(caller, roomId);
			if (!joined.ok) return joined;
			// Snapshot first, then join the channel: live events that follow carry seqs after the snapshot's runs.
			const snapshot = await deps.live.snapshot(roomId);
			// Presence changes only when the user's first socket enters: a repeated join or a second tab is no news.
			const channel = roomChannel(roomId);
			const wasOnline = socket.rooms.has(channel) || (await roomPresence(io, roomId, deps.log)).has(caller.id);
			await socket.join(channel);
			deps.live.joined(socket);
			// Asked after joining, so two people entering at once both end up in the list everyone gets.
			const { online } = await roomPresence(io, roomId, deps.log);
			if (!wasOnline) io.to(channel).emit('presence', { roomId, online });
			return ok({ room: joined.data, online, ...snapshot });
		})
	);

	socket.on(
		'room:leave',
		handler(deps.log, 'room:leave', roomLeaveSchema, async ({ roomId }) => {
			// Leaving the live channel, not the membership: closing a room's page is not quitting the room.
			const channel = roomChannel(roomId);
			if (!socket.rooms.has(channel)) return ok(null); // not in it: nothing changes, nobody is told
			await socket.leave(channel);
			deps.live.left(socket);
			// The user is still online while another of their tabs is in the room.
			const presence = await roomPresence(io, roomId, deps.log);
			if (!presence.has(caller.id)) io.to(channel).emit('presence', { roomId, online: presence.online });
			return ok(null);
		})
	);
}
