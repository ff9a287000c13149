import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActivityItem } from '../../src/lib/contract/live';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { seedRoom } from '../../tests/helpers/run-storage';
import { createActivityLog, type ActivityLog } from './activity';

describe.each(DIALECTS)('room activity log on %s', (kind) => {
	let t: TestDatabase;
	let activity: ActivityLog;
	let roomId: string;
	let otherRoomId: string;
	let ann: { id: string; name: string };

	beforeEach(async () => {
		t = await freshDatabase(kind);
		activity = createActivityLog(t.db);
		const a = await seedRoom(t.db, 'a');
		otherRoomId = (await seedRoom(t.db, 'b')).roomId;
		roomId = a.roomId;
		ann = { id: a.user.id, name: a.user.name };
	});
	afterEach(() => t.drop());

	it('records an item, announces it once stored, and reads it back with the actor’s current name', async () => {
		const announced: ActivityItem[] = [];
		activity.events.on('activity', (item) => announced.push(item));
		const item = await activity.record(roomId, ann, 'run.started', 'run1', 'How do rooms work?');

		expect(item).toMatchObject({ roomId, actor: ann, action: 'run.started', runId: 'run1', detail: 'How do rooms work?' });
		expect(item.id).toMatch(/^[a-z2-7]{24}$/);
		expect(announced).toEqual([item]);
		expect(await activity.recent(roomId)).toEqual([item]);

		// The feed shows the user as they are named now, not as the caller spelled them.
		await activity.record(roomId, { id: ann.id, name: 'Stale name' }, 'run.cancelled', 'run1');
		expect((await activity.recent(roomId)).map((i) => i.actor)).toEqual([ann, ann]);
	});

	it('does not announce an item that could not be stored', async () => {
		const announced: ActivityItem[] = [];
		activity.events.on('activity', (item) => announced.push(item));
		// No such room: the foreign key refuses the row.
		await expect(activity.record('roomnotthere', ann, 'run.started', null)).rejects.toThrow();
		expect(announced).toEqual([]);
	});

	it('lists a room’s items newest first, limited, without other rooms’ items', async () => {
		const recorded: ActivityItem[] = [];
		for (const [i, action] of (['run.started', 'run.cancelled', 'run.approved', 'run.forked'] as const).entries()) {
			recorded.push(await activity.record(roomId, ann, action, `run${i}`));
			await new Promise((r) => setTimeout(r, 2)); // distinct timestamps: the feed is ordered by ts
		}
		await activity.record(otherRoomId, ann, 'run.rejected', null, 'elsewhere');

		const recent = await activity.recent(roomId);
		expect(recent.map((i) => i.action)).toEqual(['run.forked', 'run.approved', 'run.cancelled', 'run.started']);
		expect(recent.map((i) => i.ts)).toEqual(recorded.map((i) => i.ts).reverse()); // BIGINT ts as a number on both
		expect((await activity.recent(roomId, 2)).map((i) => i.runId)).toEqual(['run3', 'run2']);
		expect(recent.every((i) => i.detail === null)).toBe(true);
		expect(await activity.recent(otherRoomId)).toMatchObject([{ action: 'run.rejected', runId: null, detail: 'elsewhere' }]);
		expect(await activity.recent('roomnotthere')).toEqual([]);
	});
});
