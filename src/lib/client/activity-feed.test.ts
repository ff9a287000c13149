// @vitest-environment jsdom
import { expect, test } from 'vitest';
import type { ActivityItem } from '../contract/live';
import { ActivityFeed, describeAction } from './activity-feed.svelte';
import { ROOM } from './test-events';

const item = (id: string, ts: number, roomId = ROOM): ActivityItem => ({
	id,
	roomId,
	ts,
	actor: { id: 'u', name: 'Ann' },
	action: 'run.started',
	runId: 'r',
	detail: null
});

test('snapshot and live items merge newest first, once each, this room only, capped', () => {
	const feed = new ActivityFeed(ROOM, 3);
	feed.seed([item('b', 2), item('a', 1)]);
	feed.add(item('c', 3));
	feed.add(item('x', 9, 'otherroomaaa'));
	feed.seed([item('c', 3), item('b', 2)]);
	expect(feed.items.map((i) => i.id)).toEqual(['c', 'b', 'a']);
	feed.add(item('d', 4));
	expect(feed.items.map((i) => i.id)).toEqual(['d', 'c', 'b']);
	expect(describeAction('run.overridden')).toBe('overrode a run');
});
