import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { joinAdminChannel, registerAdminRealtime } from '../admin/admin.realtime';
import type { AdminService } from '../admin/admin.service';
import type { ClusterParts } from '../cluster/cluster';
import type { ModelManager } from '../models/manager';
import { authenticate } from '../auth/authenticate';
import type { AuthService } from '../auth/auth.service';
import type { Logger } from '../logger';
import { registerRoomHandlers } from '../rooms/rooms.handlers';
import { registerRoomsRealtime } from '../rooms/rooms.realtime';
import type { RoomsService } from '../rooms/rooms.service';
import type { YjsDocStore } from '../yjs/doc-store';
import type { YjsLimits } from '../yjs/limits';
import { createYjsRealtime } from '../yjs/yjs.handlers';
import { registerRunHandlers } from '../runs/runs.handlers';
import type { RunsService } from '../runs/runs.service';
import { createRoomFeed, type RoomFeedDeps } from '../rooms/room-feed';
import { isAllowedOrigin } from '../realtime/origin';
import { broadcastPresence } from '../realtime/presence';
import { limitConnectionsPerUser } from '../realtime/connection-limit';
import { guardRecovery } from './recovery';
import { relayServiceEventsToOtherNodes } from './cluster-events';
import type { WebTier } from '../cluster/web-tier';
import { apiKeyChannel, sessionChannel, userChannel, type AppServer } from '../realtime/types';

export interface RealtimeDeps {
	auth: AuthService;
	rooms: RoomsService;
	logger: Logger;
	/** The rooms' collaborative prompt documents (AppContext.yjs). */
	yjs: YjsDocStore;
	/** Per-client limits on `yjs:*` messages; defaults in server/yjs/limits.ts. */
	yjsLimits?: Partial<YjsLimits>;
	/** SOCKET_MAX_CONNECTIONS_PER_USER and SOCKET_MAX_BUFFER_BYTES (Config.sockets). */
	sockets: { maxConnectionsPerUser: number; maxBufferBytes: number };
	/** Public origin; when unset the Host header decides, for names DNS rebinding cannot fake (see isAllowedOrigin). */
	origin?: string;
	/** The admin console (cache events and role changes reach admins' sockets). */
	admin?: { service: AdminService; manager: ModelManager; cluster?: Pick<ClusterParts, 'cacheEvents'> };
	/** Every run rule; socket steering goes through it. */
	runsService: RunsService;
	/** The address the server listens on (HOST); a name here counts as safe when `origin` is unset. */
	host?: string;
	/** Runs, activity and telemetry flowing to rooms. */
	live: Omit<RoomFeedDeps, 'log'>;
	/** The other web nodes (AppContext.webTier): with a socket adapter this node is one of a cluster. */
	webTier?: Pick<WebTier, 'socketAdapter' | 'connectionSlots'>;
}

export interface Realtime {
	io: AppServer;
	/** Connected sockets, and prompt rooms with at least one of them (for metrics). */
	counts(): { sockets: number; rooms: number };
	/** Sockets that still hold a Yjs rate-limit bucket: none once every socket has left (tests, the soak). */
	yjsRateLimitedSockets(): number;
	/** Closes every socket of a login session (on logout). */
	disconnectSession(sessionId: string): void;
	/** Closes every socket that authenticated with an API key (on revoke). */
	disconnectApiKey(keyId: string): void;
	close(): Promise<void>;
}

/**
 * The hub: attaches Socket.IO to an HTTP server (the same function in production, dev and tests), authenticates
 * handshakes, and lets each feature register its handlers and reactions. Features import the kit in
 * server/realtime/, never this module.
 */
export function createApplication(httpServer: HttpServer, deps: RealtimeDeps): Realtime {
	const log = deps.logger.child({ component: 'realtime' });
	const io: AppServer = new Server(httpServer, {
		serveClient: false,
		adapter: deps.webTier?.socketAdapter, // undefined: Socket.IO's in-memory adapter
		maxHttpBufferSize: deps.sockets.maxBufferBytes,
		// A brief network blip restores the socket with its rooms and the packets it missed; the handshake (and so
		// the session check) still runs. Longer gaps fall back to room:join + run:replay.
		connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
		allowRequest: (req, callback) => {
			const allowed = isAllowedOrigin(req, { origin: deps.origin, host: deps.host });
			callback(allowed ? null : 'Origin not allowed', allowed);
		}
	});

	io.use(async (socket, next) => {
		try {
			const who = await authenticate(deps.auth, {
				cookieHeader: socket.request.headers.cookie,
				token: (socket.handshake.auth as Record<string, unknown> | undefined)?.token
			});
			if (!who) return next(new Error('unauthenticated'));
			socket.data.user = { id: who.user.id, name: who.user.name, role: who.user.role };
			socket.data.sessionId = who.session?.id;
			socket.data.apiKeyId = who.apiKeyId;
			next();
		} catch (err) {
			log.error({ err }, 'handshake authentication failed');
			next(new Error('internal'));
		}
	});

	guardRecovery(io, { rooms: deps.rooms, log }); // after the authentication middleware above
	limitConnectionsPerUser(io, deps.sockets.maxConnectionsPerUser, deps.webTier?.connectionSlots); // last: it counts only handshakes that pass

	const yjs = createYjsRealtime(io, { docs: deps.yjs, rooms: deps.rooms, log: log.child({ component: 'yjs' }), limits: deps.yjsLimits });
	const live = createRoomFeed(io, { ...deps.live, log });
	const stopCluster = deps.webTier?.socketAdapter
		? relayServiceEventsToOtherNodes(io, { rooms: deps.rooms, admin: deps.admin?.service, yjs, log })
		: () => {};

	io.on('connection', (socket) => {
		const { user, sessionId, apiKeyId } = socket.data;
		void socket.join(userChannel(user.id));
		if (sessionId) void socket.join(sessionChannel(sessionId));
		if (apiKeyId) void socket.join(apiKeyChannel(apiKeyId));
		const userLog = log.child({ userId: user.id });
		registerRoomHandlers(io, socket, { rooms: deps.rooms, log: userLog, live });
		registerRunHandlers(socket, { runs: deps.runsService, log: userLog, onReplayed: (s) => live.replayed(s) });
		yjs.registerYjsHandlers(socket, log.child({ userId: user.id }));
		joinAdminChannel(socket, userLog);

		let joinedRooms: string[] = [];
		socket.on('disconnecting', () => {
			joinedRooms = [...socket.rooms].filter((r) => r.startsWith('room:')).map((r) => r.slice('room:'.length));
		});
		socket.on('disconnect', () => {
			live.forget(socket.id);
			for (const roomId of joinedRooms) {
				broadcastPresence(io, roomId, log).catch((err) => log.error({ err, roomId }, 'presence broadcast failed'));
			}
		});
	});

	const stopRooms = registerRoomsRealtime(io, { rooms: deps.rooms, log });
	const stopAdmin = deps.admin
		? registerAdminRealtime(io, { admin: deps.admin.service, manager: deps.admin.manager, cluster: deps.admin.cluster, logger: log })
		: () => {};

	return {
		io,
		counts() {
			let rooms = 0;
			for (const name of io.sockets.adapter.rooms.keys()) if (name.startsWith('room:')) rooms++;
			return { sockets: io.engine.clientsCount, rooms };
		},
		yjsRateLimitedSockets: () => yjs.rateLimitedSockets(),
		disconnectSession(sessionId) {
			io.in(sessionChannel(sessionId)).disconnectSockets(true);
		},
		disconnectApiKey(keyId) {
			io.in(apiKeyChannel(keyId)).disconnectSockets(true);
		},
		async close() {
			stopRooms();
			stopAdmin();
			stopCluster();
			yjs.close();
			live.close();
			await io.close();
		}
	};
}
