// The one typed Socket.IO contract shared by the browser and server/. Only zod and types here: no runtime deps.
import { z } from 'zod';
import type { CacheEvictedEvent, CacheFailedEvent, CacheLoadedEvent, CacheLoadingEvent, CacheUnloadedEvent, PullState } from './admin';
import type { PublicUser } from './auth';
import type { Result } from './result';
import { roomIdSchema, type OnlineUser, type RoomDetail, type RoomMember } from './rooms';
import type {
	ActivityItem,
	RoomRunEvent,
	RoomSnapshot,
	runForkSchema,
	runIdPayloadSchema,
	runReplaySchema,
	runResumeSchema,
	runStartSchema,
	TelemetrySample
} from './live';
import type { RunEvent, RunSummary } from './runs';
import type { yjsAwarenessSchema, yjsLeaveSchema, yjsSyncSchema, YjsMessagePayload } from './yjs';

export const roomJoinSchema = z.object({ roomId: roomIdSchema });
export const roomLeaveSchema = z.object({ roomId: roomIdSchema });

export interface RoomJoined extends RoomSnapshot {
	room: RoomDetail;
	online: OnlineUser[];
}

export interface PresencePayload {
	roomId: string;
	online: OnlineUser[];
}

export interface ClientToServerEvents {
	'room:join': (payload: z.input<typeof roomJoinSchema>, ack: (result: Result<RoomJoined>) => void) => void;
	'room:leave': (payload: z.input<typeof roomLeaveSchema>, ack: (result: Result<null>) => void) => void;
	/** A y-protocols sync message for the room's prompt document (members only; see docs/PROTOCOL.md). */
	'yjs:sync': (payload: z.input<typeof yjsSyncSchema>, ack: (result: Result<null>) => void) => void;
	/** A y-protocols awareness update (name, colour, cursor) for the room's prompt. */
	'yjs:awareness': (payload: z.input<typeof yjsAwarenessSchema>, ack: (result: Result<null>) => void) => void;
	/** Stop receiving the room's document and awareness; your cursor disappears for the others. */
	'yjs:leave': (payload: z.input<typeof yjsLeaveSchema>, ack: (result: Result<null>) => void) => void;
	'run:start': (payload: z.input<typeof runStartSchema>, ack: (result: Result<RunSummary>) => void) => void;
	'run:cancel': (payload: z.input<typeof runIdPayloadSchema>, ack: (result: Result<RunSummary>) => void) => void;
	'run:resume': (payload: z.input<typeof runResumeSchema>, ack: (result: Result<RunSummary>) => void) => void;
	'run:fork': (payload: z.input<typeof runForkSchema>, ack: (result: Result<RunSummary>) => void) => void;
	/** Events of a run after `afterSeq`, for catching up after a reconnect or a late join. */
	'run:replay': (payload: z.input<typeof runReplaySchema>, ack: (result: Result<{ events: RunEvent[]; lastSeq: number }>) => void) => void;
}

export interface ServerToClientEvents {
	/** A run event in a room you joined; per run, seq increases by one with no gaps. */
	'run:event': (event: RoomRunEvent) => void;
	/** You fell too far behind on a run: replay it from your last seq. */
	'run:resync': (payload: { runId: string }) => void;
	activity: (item: ActivityItem) => void;
	/** One telemetry sample per interval, to sockets in at least one room. */
	telemetry: (sample: TelemetrySample) => void;
	presence: (payload: PresencePayload) => void;
	/** The room's member list changed (someone joined, left or was removed). */
	'room:members': (payload: { roomId: string; members: RoomMember[] }) => void;
	/** The owner changed who may steer runs (every member, or drivers only). */
	'room:steering': (payload: { roomId: string; steering: RoomDetail['steering'] }) => void;
	/** You were removed from a room (or it was deleted): drop its state. */
	'room:removed': (payload: { roomId: string }) => void;
	/** A y-protocols sync message (the server's step 2 and step 1, or someone's update). */
	'yjs:sync': (payload: YjsMessagePayload) => void;
	/** Awareness changes of other clients, at most ~10 per second per client. */
	'yjs:awareness': (payload: YjsMessagePayload) => void;
	// Model cache activity, sent to admins' sockets only (the `admins` channel; docs/PROTOCOL.md, "Admin").
	'cache:loading': (payload: CacheLoadingEvent) => void;
	'cache:loaded': (payload: CacheLoadedEvent) => void;
	'cache:evicted': (payload: CacheEvictedEvent) => void;
	'cache:unloaded': (payload: CacheUnloadedEvent) => void;
	'cache:failed': (payload: CacheFailedEvent) => void;
	/** A background pull started, progressed (at most ~4/s) or ended (`done` or `failed` with `error`). */
	'cache:pull': (payload: PullState) => void;
}

/**
 * Between the web nodes of a cluster (through the Socket.IO Redis adapter's serverSideEmit): changes one node made
 * that every node must apply to its own sockets' state. Unused in a single process.
 */
export interface InterServerEvents {
	/** A member was removed from a room: their sockets on every node stop editing its prompt. */
	'member-removed': (payload: { roomId: string; userId: string }) => void;
	/** A user's role changed: their sockets' data on every node follow it. */
	'role-changed': (payload: { userId: string; role: 'admin' | 'member' }) => void;
}

/** Who a socket belongs to: the signed-in user, without the email. */
export type SocketUser = Omit<PublicUser, 'email'>;

export interface SocketData {
	user: SocketUser;
	/** Session id when the socket authenticated by cookie, so logout can close it. */
	sessionId?: string;
	/** API key id when the socket authenticated with a key, so revoking the key can close it. */
	apiKeyId?: string;
}
