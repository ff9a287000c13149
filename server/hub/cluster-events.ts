import { z } from 'zod';
import { roles } from '../../src/lib/contract/admin';
import type { AdminService } from '../admin/admin.service';
import type { Logger } from '../logger';
import { listen } from '../listen';
import { userChannel, type AppServer } from '../realtime/types';
import type { RoomsService } from '../rooms/rooms.service';
import type { YjsRealtime } from '../yjs/yjs.handlers';

// Other nodes are trusted, but what comes over Redis is still parsed: a malformed message is dropped, not applied.
const memberRemovedSchema = z.object({ roomId: z.string().min(1).max(64), userId: z.string().min(1).max(64) });
const roleChangedSchema = z.object({ userId: z.string().min(1).max(64), role: z.enum(roles) });

/**
 * Changes a service announces only on the node that made them, whose effect lives in every node's own state:
 * Yjs subscriptions (a removed member's sockets on another node must stop editing) and socket.data (a role change).
 * Broadcasts, socketsJoin/Leave and fetchSockets cross nodes through the adapter already; these do not, so they go
 * to the other nodes as server-side events. Only in a cluster (the in-memory adapter has no serverSideEmit).
 */
export function relayServiceEventsToOtherNodes(
	io: AppServer,
	deps: { rooms: RoomsService; admin?: AdminService; yjs: YjsRealtime; log: Logger }
): () => void {
	io.on('member-removed', (payload) => {
		const parsed = memberRemovedSchema.safeParse(payload);
		if (parsed.success) deps.yjs.memberRemoved(parsed.data);
		else deps.log.warn({ event: 'member-removed' }, 'ignoring a malformed event from another node');
	});
	io.on('role-changed', (payload) => {
		const parsed = roleChangedSchema.safeParse(payload);
		if (!parsed.success) return deps.log.warn({ event: 'role-changed' }, 'ignoring a malformed event from another node');
		const { userId, role } = parsed.data;
		io.local
			.in(userChannel(userId))
			.fetchSockets()
			.then((sockets) => {
				for (const socket of sockets) socket.data.user = { ...socket.data.user, role };
			})
			.catch((err) => deps.log.error({ err, userId }, 'could not apply a role change to sockets'));
	});
	const stops = [
		listen(deps.rooms.events, { 'member-removed': (e) => io.serverSideEmit('member-removed', e) }),
		deps.admin ? listen(deps.admin.events, { 'role-changed': (e) => io.serverSideEmit('role-changed', e) }) : () => {}
	];
	return () => {
		for (const stop of stops) stop();
	};
}
