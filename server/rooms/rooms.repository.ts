import { sql } from 'kysely';
import type { Db } from '../storage/db';
import type { NewRoom } from '../storage/schema';

export type MemberRole = 'owner' | 'member';

const summaryColumns = ['rooms.id', 'rooms.name', 'rooms.visibility', 'rooms.owner_id', 'rooms.created_at'] as const;
const memberCount = sql<number>`(select count(*) from room_members where room_members.room_id = rooms.id)`.as('member_count');
// The rooms list shows how alive each room is: its newest activity (runs started, approved…) and its unfinished runs.
const lastActivity = sql<number | null>`(select max(room_activity.ts) from room_activity where room_activity.room_id = rooms.id)`.as(
	'last_activity_at'
);
const unfinishedRuns =
	sql<number>`(select count(*) from runs where runs.room_id = rooms.id and runs.status in ('queued', 'running', 'waiting_approval'))`.as(
		'unfinished_runs'
	);
const listColumns = [memberCount, lastActivity, unfinishedRuns] as const;

export function createRoomsRepository(db: Db) {
	return {
		async create(room: NewRoom): Promise<void> {
			await db.transaction().execute(async (trx) => {
				await trx.insertInto('rooms').values(room).execute();
				await trx
					.insertInto('room_members')
					.values({ room_id: room.id, user_id: room.owner_id, role: 'owner', joined_at: room.created_at, driver: 1 })
					.execute();
			});
		},
		findById(id: string) {
			return db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
		},
		findOwnedByName(ownerId: string, name: string) {
			return db
				.selectFrom('rooms')
				.selectAll()
				.where('owner_id', '=', ownerId)
				.where('name', '=', name)
				.orderBy('created_at', 'asc')
				.executeTakeFirst();
		},
		findByInviteToken(token: string) {
			return db.selectFrom('rooms').selectAll().where('invite_token', '=', token).executeTakeFirst();
		},
		/** Every room the user is a member of, newest first, with its member count and the user's role. */
		listMine(userId: string) {
			return db
				.selectFrom('rooms')
				.innerJoin('room_members as mine', (join) => join.onRef('mine.room_id', '=', 'rooms.id').on('mine.user_id', '=', userId))
				.select([...summaryColumns, 'mine.role as my_role', ...listColumns])
				.orderBy('rooms.created_at', 'desc')
				.orderBy('rooms.id', 'desc')
				.execute();
		},
		/** One page of public rooms the user is not a member of, newest first, strictly after the cursor (created_at, id). */
		listPublicNotMine(userId: string, page: { before?: { createdAt: number; id: string }; limit: number }) {
			let query = db
				.selectFrom('rooms')
				.select([...summaryColumns, sql<null>`null`.as('my_role'), ...listColumns])
				.where('rooms.visibility', '=', 'public')
				.where(({ not, exists, selectFrom }) =>
					not(
						exists(
							selectFrom('room_members')
								.select('room_members.room_id')
								.whereRef('room_members.room_id', '=', 'rooms.id')
								.where('room_members.user_id', '=', userId)
						)
					)
				);
			const before = page.before;
			if (before) {
				query = query.where((eb) =>
					eb.or([
						eb('rooms.created_at', '<', before.createdAt),
						eb.and([eb('rooms.created_at', '=', before.createdAt), eb('rooms.id', '<', before.id)])
					])
				);
			}
			return query.orderBy('rooms.created_at', 'desc').orderBy('rooms.id', 'desc').limit(page.limit).execute();
		},
		listMembers(roomId: string) {
			return db
				.selectFrom('room_members')
				.innerJoin('users', 'users.id', 'room_members.user_id')
				.select(['users.id', 'users.name', 'room_members.role', 'room_members.joined_at', 'room_members.driver'])
				.where('room_members.room_id', '=', roomId)
				.orderBy('room_members.joined_at', 'asc')
				.execute();
		},
		async memberRole(roomId: string, userId: string): Promise<MemberRole | null> {
			const row = await db
				.selectFrom('room_members')
				.select('role')
				.where('room_id', '=', roomId)
				.where('user_id', '=', userId)
				.executeTakeFirst();
			return row?.role ?? null;
		},
		/** Adds a member; joining twice is a no-op. Returns whether someone new joined. */
		async addMember(roomId: string, userId: string, role: MemberRole = 'member'): Promise<boolean> {
			const res = await db
				.insertInto('room_members')
				.values({ room_id: roomId, user_id: userId, role, joined_at: Date.now() })
				.onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
				.executeTakeFirst();
			return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
		},
		async removeMember(roomId: string, userId: string): Promise<boolean> {
			const res = await db.deleteFrom('room_members').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
			return Number(res.numDeletedRows) > 0;
		},
		async isBanned(roomId: string, userId: string): Promise<boolean> {
			const row = await db
				.selectFrom('room_bans')
				.select('user_id')
				.where('room_id', '=', roomId)
				.where('user_id', '=', userId)
				.executeTakeFirst();
			return row !== undefined;
		},
		/** Removes a member and keeps them out, in one transaction; returns whether they were a member. */
		async removeAndBan(roomId: string, userId: string): Promise<boolean> {
			return db.transaction().execute(async (trx) => {
				const res = await trx.deleteFrom('room_members').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
				if (Number(res.numDeletedRows) === 0) return false;
				await trx
					.insertInto('room_bans')
					.values({ room_id: roomId, user_id: userId, banned_at: Date.now() })
					.onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
					.execute();
				return true;
			});
		},
		async unban(roomId: string, userId: string) {
			await db.deleteFrom('room_bans').where('room_id', '=', roomId).where('user_id', '=', userId).execute();
		},
		async setSteering(roomId: string, steering: 'everyone' | 'drivers') {
			await db.updateTable('rooms').set({ steering }).where('id', '=', roomId).execute();
		},
		async setDriver(roomId: string, userId: string, driver: boolean): Promise<boolean> {
			const res = await db
				.updateTable('room_members')
				.set({ driver: driver ? 1 : 0 })
				.where('room_id', '=', roomId)
				.where('user_id', '=', userId)
				.executeTakeFirst();
			return Number(res.numUpdatedRows) > 0;
		},
		/** Whether the member may steer runs: everyone may in an open room; in a drivers-only room, drivers and the owner. */
		async maySteer(roomId: string, userId: string): Promise<boolean> {
			const row = await db
				.selectFrom('room_members')
				.innerJoin('rooms', 'rooms.id', 'room_members.room_id')
				.select(['rooms.steering', 'room_members.driver', 'room_members.role'])
				.where('room_members.room_id', '=', roomId)
				.where('room_members.user_id', '=', userId)
				.executeTakeFirst();
			if (!row) return false;
			return row.steering === 'everyone' || row.role === 'owner' || Number(row.driver) === 1;
		},
		async setInviteToken(roomId: string, token: string) {
			await db.updateTable('rooms').set({ invite_token: token }).where('id', '=', roomId).execute();
		}
	};
}

export type RoomsRepository = ReturnType<typeof createRoomsRepository>;
