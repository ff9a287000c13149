// The room's activity feed: who started, cancelled, approved, overrode or forked what. Seeded by each join snapshot,
// then live `activity` events; newest first, each item once.
import type { ActivityAction, ActivityItem } from '../contract/live';

const VERBS: Record<ActivityAction, string> = {
	'run.started': 'started a run',
	'run.cancelled': 'cancelled a run',
	'run.approved': 'approved a run',
	'run.rejected': 'rejected a run',
	'run.overridden': 'overrode a run',
	'run.forked': 'forked a run',
	'embeddings.created': 'embedded texts'
};

export const describeAction = (action: ActivityAction): string => VERBS[action] ?? action;

export class ActivityFeed {
	items = $state<ActivityItem[]>([]);
	readonly #roomId: string;
	readonly #limit: number;

	constructor(roomId: string, limit = 100) {
		this.#roomId = roomId;
		this.#limit = limit;
	}

	/** Merges a snapshot's items with what is already known (a rejoin may overlap with live items). */
	seed(items: readonly ActivityItem[]) {
		this.#merge(items);
	}

	add = (item: ActivityItem) => {
		if (item.roomId !== this.#roomId) return;
		this.#merge([item]);
	};

	#merge(incoming: readonly ActivityItem[]) {
		const byId = new Map(this.items.map((i) => [i.id, i]));
		for (const item of incoming) if (item.roomId === this.#roomId) byId.set(item.id, item);
		this.items = [...byId.values()].sort((a, b) => b.ts - a.ts).slice(0, this.#limit);
	}
}
