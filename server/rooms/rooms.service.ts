import { EventEmitter } from 'node:events';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import type { CreateRoomInput, RoomDetail, RoomList, RoomListItem, RoomMember, RoomSummary } from '../../src/lib/contract/rooms';
import { randomToken } from '../auth/tokens';
import type { UsersRepository } from '../auth/users.repository';
import type { RateLimits } from '../rate-limits';
import type { RoomsRepository } from './rooms.repository';

const toMember = (m: { id: string; name: string; role: 'owner' | 'member'; driver: number }): RoomMember => ({
	id: m.id,
	name: m.name,
	role: m.role,
	driver: m.role === 'owner' || Number(m.driver) === 1
});

export const PERSONAL_ROOM_NAME = 'Personal (API runs)';
const REMOVED_MESSAGE = 'The owner removed you from this room; ask them to add you again';

export interface Caller {
	id: string;
}

export interface InvitePreview {
	roomId: string;
	name: string;
	visibility: 'public' | 'private';
	memberCount: number;
	/** Already a member: nothing to confirm. */
	member: boolean;
}

/** Membership changes the realtime layer reacts to (e.g. removing a member's sockets from the room). */
export interface RoomEvents {
	'member-added': [{ roomId: string; userId: string }];
	'member-removed': [{ roomId: string; userId: string }];
	/** Who may steer changed: everyone in the room hears it (their Run button and settings follow). */
	'steering-changed': [{ roomId: string; steering: 'everyone' | 'drivers' }];
}

type SummaryRow = {
	id: string;
	name: string;
	visibility: 'public' | 'private';
	owner_id: string;
	created_at: number;
	member_count: number;
	my_role: 'owner' | 'member' | null;
};

const toSummary = (r: SummaryRow): RoomSummary => ({
	id: r.id,
	name: r.name,
	visibility: r.visibility,
	ownerId: r.owner_id,
	createdAt: Number(r.created_at),
	memberCount: Number(r.member_count),
	role: r.my_role ?? null
});

type ListRow = SummaryRow & { last_activity_at: number | null; unfinished_runs: number };

const toListItem = (r: ListRow): RoomListItem => ({
	...toSummary(r),
	lastActivityAt: Number(r.last_activity_at ?? r.created_at),
	unfinishedRuns: Number(r.unfinished_runs)
});

export interface RoomsServiceDeps {
	rooms: RoomsRepository;
	users: UsersRepository;
	/** ROOM_JOIN_RATE_PER_MINUTE, per user, on every join (public join, invite link, a socket entering a room). */
	limits: Pick<RateLimits, 'roomJoin'>;
}

/** Room rules in one place: who may see, join, invite and remove. Handlers and routes only translate. */
export function createRoomsService(deps: RoomsServiceDeps) {
	const events = new EventEmitter<RoomEvents>();

	async function detail(roomId: string, caller: Caller): Promise<Result<RoomDetail>> {
		const room = await deps.rooms.findById(roomId);
		if (!room) return fail('not_found', 'No such room');
		const members = await deps.rooms.listMembers(roomId);
		const mine = members.find((m) => m.id === caller.id);
		if (!mine && room.visibility === 'private') return fail('forbidden', 'This room is private; ask its owner for an invite');
		return ok({
			id: room.id,
			name: room.name,
			visibility: room.visibility,
			ownerId: room.owner_id,
			createdAt: room.created_at,
			memberCount: members.length,
			role: mine?.role ?? null,
			members: members.map(toMember),
			steering: room.steering,
			...(mine?.role === 'owner' ? { inviteToken: room.invite_token } : {})
		});
	}

	async function requireOwner(roomId: string, caller: Caller): Promise<Result<null>> {
		const room = await deps.rooms.findById(roomId);
		if (!room) return fail('not_found', 'No such room');
		if (room.owner_id !== caller.id) return fail('forbidden', 'Only the room owner can do this');
		return ok(null);
	}

	async function addMember(roomId: string, userId: string) {
		if (await deps.rooms.addMember(roomId, userId)) events.emit('member-added', { roomId, userId });
	}

	return {
		events,
		detail,

		async members(roomId: string): Promise<RoomMember[]> {
			return (await deps.rooms.listMembers(roomId)).map(toMember);
		},

		/** Owner: let every member steer runs, or only drivers. */
		async setSteering(caller: Caller, roomId: string, steering: 'everyone' | 'drivers'): Promise<Result<RoomDetail>> {
			const allowed = await requireOwner(roomId, caller);
			if (!allowed.ok) return allowed;
			await deps.rooms.setSteering(roomId, steering);
			events.emit('steering-changed', { roomId, steering });
			return detail(roomId, caller);
		},

		/** Owner: mark or unmark a member as a driver. */
		async setDriver(caller: Caller, roomId: string, userId: string, driver: boolean): Promise<Result<RoomDetail>> {
			const allowed = await requireOwner(roomId, caller);
			if (!allowed.ok) return allowed;
			if (!(await deps.rooms.setDriver(roomId, userId, driver))) return fail('not_found', 'That user is not a member');
			events.emit('member-added', { roomId, userId }); // members changed: viewers get the new list
			return detail(roomId, caller);
		},

		/** Members may steer runs unless the room is drivers-only; then drivers and the owner may. */
		async maySteer(caller: Caller, roomId: string): Promise<Result<null>> {
			if (await deps.rooms.maySteer(roomId, caller.id)) return ok(null);
			if (!(await deps.rooms.memberRole(roomId, caller.id))) return fail('forbidden', 'Join the room first');
			return fail('forbidden', 'Only drivers can steer runs in this room; ask the owner');
		},

		async create(caller: Caller, input: CreateRoomInput): Promise<RoomDetail> {
			const id = randomToken();
			await deps.rooms.create({
				id,
				name: input.name,
				visibility: input.visibility,
				owner_id: caller.id,
				invite_token: randomToken(20),
				created_at: Date.now()
			});
			const created = await detail(id, caller);
			if (!created.ok) throw new Error('room vanished after create');
			return created.data;
		},

		/**
		 * Every room the caller is a member of, then one page of public rooms they are not in (newest first): rooms
		 * anyone can create never push the caller's own out of the list.
		 */
		async list(caller: Caller, page: { publicBefore?: string; limit?: number } = {}): Promise<RoomList> {
			const limit = page.limit ?? 100;
			const [createdAt, id] = page.publicBefore?.split('.') ?? [];
			const before = id ? { createdAt: Number(createdAt), id } : undefined;
			const [mine, others] = await Promise.all([
				deps.rooms.listMine(caller.id),
				deps.rooms.listPublicNotMine(caller.id, { before, limit: limit + 1 })
			]);
			const shown = others.slice(0, limit);
			const last = shown.at(-1);
			return {
				rooms: [...mine, ...shown].map(toListItem),
				nextPublicBefore: others.length > limit && last ? `${Number(last.created_at)}.${last.id}` : null
			};
		},

		/** Members get the room; a public room makes the caller a member; a private one refuses outsiders. */
		async join(caller: Caller, roomId: string): Promise<Result<RoomDetail>> {
			const allowed = await deps.limits.roomJoin.take(caller.id);
			if (!allowed.ok) return allowed;
			const room = await deps.rooms.findById(roomId);
			if (!room) return fail('not_found', 'No such room');
			const role = await deps.rooms.memberRole(roomId, caller.id);
			if (!role) {
				if (await deps.rooms.isBanned(roomId, caller.id)) return fail('forbidden', REMOVED_MESSAGE);
				if (room.visibility === 'private') return fail('forbidden', 'This room is private; ask its owner for an invite');
				await addMember(roomId, caller.id);
			}
			return detail(roomId, caller);
		},

		/** What an invite link leads to, without joining: the confirmation page shows it (GET must not change state). */
		async previewInvite(caller: Caller, token: string): Promise<Result<InvitePreview>> {
			const room = await deps.rooms.findByInviteToken(token);
			if (!room) return fail('not_found', 'This invite link is not valid (it may have been replaced)');
			const member = (await deps.rooms.memberRole(room.id, caller.id)) !== null;
			if (!member && (await deps.rooms.isBanned(room.id, caller.id))) return fail('forbidden', REMOVED_MESSAGE);
			const memberCount = (await deps.rooms.listMembers(room.id)).length;
			return ok({ roomId: room.id, name: room.name, visibility: room.visibility, memberCount, member });
		},

		async joinByInvite(caller: Caller, token: string): Promise<Result<RoomDetail>> {
			const allowed = await deps.limits.roomJoin.take(caller.id);
			if (!allowed.ok) return allowed;
			const room = await deps.rooms.findByInviteToken(token);
			if (!room) return fail('not_found', 'This invite link is not valid (it may have been replaced)');
			// The link a removed member still holds does not bring them back; only the owner does (inviteByEmail).
			if (!(await deps.rooms.memberRole(room.id, caller.id)) && (await deps.rooms.isBanned(room.id, caller.id))) {
				return fail('forbidden', REMOVED_MESSAGE);
			}
			await addMember(room.id, caller.id);
			return detail(room.id, caller);
		},

		async leave(caller: Caller, roomId: string): Promise<Result<null>> {
			const role = await deps.rooms.memberRole(roomId, caller.id);
			if (!role) return fail('not_found', 'You are not a member of this room');
			if (role === 'owner') return fail('bad_request', 'The owner cannot leave their own room');
			await deps.rooms.removeMember(roomId, caller.id);
			events.emit('member-removed', { roomId, userId: caller.id });
			return ok(null);
		},

		async inviteByEmail(caller: Caller, roomId: string, email: string): Promise<Result<RoomDetail>> {
			const allowed = await requireOwner(roomId, caller);
			if (!allowed.ok) return allowed;
			const user = await deps.users.findByEmail(email);
			if (!user) return fail('not_found', 'No account with that email; share the invite link instead');
			await deps.rooms.unban(roomId, user.id); // the owner adding someone back lifts an earlier removal
			await addMember(roomId, user.id);
			return detail(roomId, caller);
		},

		async removeMember(caller: Caller, roomId: string, userId: string): Promise<Result<RoomDetail>> {
			const allowed = await requireOwner(roomId, caller);
			if (!allowed.ok) return allowed;
			if (userId === caller.id) return fail('bad_request', 'The owner cannot remove themselves');
			// Removal sticks: the user cannot rejoin (public room, old invite link) until the owner adds them back.
			if (!(await deps.rooms.removeAndBan(roomId, userId))) return fail('not_found', 'That user is not a member');
			events.emit('member-removed', { roomId, userId });
			return detail(roomId, caller);
		},

		async regenerateInvite(caller: Caller, roomId: string): Promise<Result<RoomDetail>> {
			const allowed = await requireOwner(roomId, caller);
			if (!allowed.ok) return allowed;
			await deps.rooms.setInviteToken(roomId, randomToken(20));
			return detail(roomId, caller);
		},

		/** The caller's private room for API runs that name no room; created on first use. */
		async personalRoomId(caller: Caller): Promise<string> {
			const existing = await deps.rooms.findOwnedByName(caller.id, PERSONAL_ROOM_NAME);
			if (existing) return existing.id;
			return (await this.create(caller, { name: PERSONAL_ROOM_NAME, visibility: 'private' })).id;
		},

		/** Whether the caller may read a room's live state (members only, also for public rooms). */
		async isMember(caller: Caller, roomId: string): Promise<boolean> {
			return (await deps.rooms.memberRole(roomId, caller.id)) !== null;
		}
	};
}

export type RoomsService = ReturnType<typeof createRoomsService>;
