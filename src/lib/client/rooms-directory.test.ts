import { describe, expect, test } from 'vitest';
import type { RoomListItem } from '../contract/rooms';
import { RoomsDirectory } from './rooms-directory.svelte';

const room = (name: string, over: Partial<RoomListItem> = {}): RoomListItem => ({
	id: name.toLowerCase().replace(/\W/g, ''),
	name,
	visibility: 'public',
	ownerId: 'ann',
	createdAt: 0,
	memberCount: 1,
	role: 'member',
	lastActivityAt: 0,
	unfinishedRuns: 0,
	...over
});

describe('RoomsDirectory', () => {
	test('search matches every word of the query in any case and order; mine leaves out public rooms I am not in', () => {
		const rooms = [room('Launch review'), room('Review of incidents'), room('Open house', { role: null })];
		const d = new RoomsDirectory(() => rooms);
		d.query = 'REVIEW launch';
		expect(d.shown.map((r) => r.name)).toEqual(['Launch review']);
		d.query = '  ';
		expect(d.shown).toHaveLength(3);
		expect(d.mine.map((r) => r.name)).toEqual(['Launch review', 'Review of incidents']);
	});

	test('pulse: last activity and unfinished runs', () => {
		const now = 10_000_000;
		expect(RoomsDirectory.pulse(room('A', { lastActivityAt: now - 5_000 }), now)).toEqual({ active: 'active just now', runs: null });
		expect(RoomsDirectory.pulse(room('B', { lastActivityAt: now - 600_000, unfinishedRuns: 2 }), now)).toEqual({
			active: 'active 10 min ago',
			runs: '2 unfinished runs'
		});
	});
});
