import { z } from 'zod';

export const roomIdSchema = z.string().regex(/^[a-z2-7]{8,64}$/, 'not a room id');

export const createRoomSchema = z.object({
	name: z.string().trim().min(1, 'Name the room').max(80, 'At most 80 characters'),
	visibility: z.enum(['public', 'private']).default('private')
});
export type CreateRoomInput = z.infer<typeof createRoomSchema>;

export const inviteByEmailSchema = z.object({ email: z.email().max(254) });
export const memberIdSchema = z.object({ userId: z.string().regex(/^[a-z2-7]{8,64}$/, 'not a user id') });

export interface RoomSummary {
	id: string;
	name: string;
	visibility: 'public' | 'private';
	ownerId: string;
	createdAt: number;
	memberCount: number;
	/** The caller's role in the room, or null when they are not a member (public rooms only). */
	role: 'owner' | 'member' | null;
}

/** Where a page of public rooms ends: `<createdAt>.<id>` of its last room (newest first). */
export const publicRoomCursorSchema = z.string().regex(/^\d{1,15}\.[a-z2-7]{8,64}$/, 'not a cursor from nextPublicBefore');

/** GET /api/rooms: your rooms are always all listed; public rooms you are not in come in pages. */
export const roomListQuerySchema = z.object({
	publicBefore: publicRoomCursorSchema.optional(),
	limit: z.coerce.number().int().min(1).max(200).default(100)
});
export type RoomListQuery = z.input<typeof roomListQuerySchema>;

/** A room in the rooms list, with how alive it is. */
export interface RoomListItem extends RoomSummary {
	/** The newest activity in the room (a run started, approved, cancelled…), or its creation when none. */
	lastActivityAt: number;
	/** Runs queued, running or waiting for approval. */
	unfinishedRuns: number;
}

export interface RoomList {
	/** Every room you are a member of (newest first), then up to `limit` public rooms you are not in (newest first). */
	rooms: RoomListItem[];
	/** Pass as `publicBefore` for the next page of public rooms; null when there are no more. */
	nextPublicBefore: string | null;
}

export interface RoomMember {
	id: string;
	name: string;
	role: 'owner' | 'member';
	/** May steer runs when the room is drivers-only (the owner always may). */
	driver: boolean;
}

export const steeringSchema = z.object({ steering: z.enum(['everyone', 'drivers']) });
export const driverSchema = z.object({ driver: z.boolean() });

export interface OnlineUser {
	id: string;
	name: string;
}

export interface RoomDetail extends RoomSummary {
	members: RoomMember[];
	/** Who may start, cancel, approve and fork runs. */
	steering: 'everyone' | 'drivers';
	/** Only the owner sees the invite token. */
	inviteToken?: string;
}
