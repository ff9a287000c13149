import { EventEmitter } from 'node:events';
import type { ActivityAction, ActivityItem } from '../../src/lib/contract/live';
import { randomToken } from '../auth/tokens';
import type { Db } from '../storage/db';

/** The room's activity feed: every steering action, who did it and when. Stored, and announced on `events`. */
export function createActivityLog(db: Db) {
	const events = new EventEmitter<{ activity: [ActivityItem] }>();
	return {
		events,
		async record(
			roomId: string,
			actor: { id: string; name: string },
			action: ActivityAction,
			runId: string | null,
			detail: string | null = null
		): Promise<ActivityItem> {
			const item: ActivityItem = { id: randomToken(), roomId, ts: Date.now(), actor, action, runId, detail };
			await db
				.insertInto('room_activity')
				.values({ id: item.id, room_id: roomId, actor_id: actor.id, action, run_id: runId, detail, ts: item.ts })
				.execute();
			events.emit('activity', item);
			return item;
		},
		/** The latest items, newest first. */
		async recent(roomId: string, limit = 50): Promise<ActivityItem[]> {
			const rows = await db
				.selectFrom('room_activity')
				.innerJoin('users', 'users.id', 'room_activity.actor_id')
				.select([
					'room_activity.id',
					'room_activity.room_id',
					'room_activity.ts',
					'room_activity.action',
					'room_activity.run_id',
					'room_activity.detail',
					'users.id as actor_id',
					'users.name as actor_name'
				])
				.where('room_activity.room_id', '=', roomId)
				.orderBy('room_activity.ts', 'desc')
				.limit(limit)
				.execute();
			return rows.map((r) => ({
				id: r.id,
				roomId: r.room_id,
				ts: r.ts,
				actor: { id: r.actor_id, name: r.actor_name },
				action: r.action as ActivityAction,
				runId: r.run_id,
				detail: r.detail
			}));
		}
	};
}

export type ActivityLog = ReturnType<typeof createActivityLog>;
