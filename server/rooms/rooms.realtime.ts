import type { Logger } from '../logger';
import { listen } from '../listen';
import { broadcastPresence } from '../realtime/presence';
import { roomChannel, userChannel, type AppServer } from '../realtime/types';
import type { RoomsService } from './rooms.service';

/**
 * The rooms' reactions on the socket side: a new member shows up in everyone's member list, a change of steering in
 * everyone's room at once; a removed member's
 * sockets leave the room's channel at once, hear `room:removed`, and vanish from presence. Returns the unsubscribe.
 */
export function registerRoomsRealtime(io: AppServer, deps: { rooms: RoomsService; log: Logger }): () => void {
	const broadcastMembers = async (roomId: string) => {
		io.to(roomChannel(roomId)).emit('room:members', { roomId, members: await deps.rooms.members(roomId) });
	};
	return listen(deps.rooms.events, {
		'member-added': ({ roomId }) => {
			broadcastMembers(roomId).catch((err) => deps.log.error({ err, roomId }, 'member broadcast failed'));
		},
		'steering-changed': ({ roomId, steering }) => {
			io.to(roomChannel(roomId)).emit('room:steering', { roomId, steering });
		},
		'member-removed': ({ roomId, userId }) => {
			io.in(userChannel(userId)).socketsLeave(roomChannel(roomId));
			io.to(userChannel(userId)).emit('room:removed', { roomId });
			Promise.all([broadcastPresence(io, roomId), broadcastMembers(roomId)]).catch((err) =>
				deps.log.error({ err, roomId }, 'member broadcast failed')
			);
		}
	});
}
