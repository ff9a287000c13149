// The rooms list as people scan it: a search over names, and each room's pulse (last activity, unfinished runs).
import type { RoomListItem } from '../contract/rooms';
import { formatAgo } from './theme.svelte';

export class RoomsDirectory {
	query = $state('');
	readonly #rooms: () => RoomListItem[];

	/** `rooms` is read on every access, so a reloaded list (a form action, paging) shows at once. */
	constructor(rooms: () => RoomListItem[]) {
		this.#rooms = rooms;
	}

	get all(): RoomListItem[] {
		return this.#rooms();
	}

	/** Rooms the user is a member of (a new user has none: the page walks them to a first room). */
	get mine(): RoomListItem[] {
		return this.all.filter((r) => r.role !== null);
	}

	/** Rooms whose name holds every word of the query (any case, any order). */
	get shown(): RoomListItem[] {
		const words = this.query.toLowerCase().split(/\s+/).filter(Boolean);
		if (words.length === 0) return this.all;
		return this.all.filter((r) => words.every((w) => r.name.toLowerCase().includes(w)));
	}

	/** "active 3 min ago" / "2 runs going" for one room. */
	static pulse(room: RoomListItem, now = Date.now()): { active: string; runs: string | null } {
		const runs = room.unfinishedRuns === 0 ? null : `${room.unfinishedRuns} unfinished run${room.unfinishedRuns === 1 ? '' : 's'}`;
		return { active: `active ${formatAgo(room.lastActivityAt, now)}`, runs };
	}
}
