/**
 * Throttles one socket's awareness relay: at most one message per interval, carrying the latest state of every
 * client that changed since the last one. Intermediate states are dropped on purpose (a cursor that moved twice in
 * 100 ms only needs its last position), which keeps N editors from producing N² messages at keystroke rate.
 */
export class AwarenessRelay {
	private readonly changed = new Set<number>();
	private lastSentAt = Number.NEGATIVE_INFINITY;
	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly intervalMs: number,
		private readonly send: (clientIds: number[]) => void,
		private readonly now: () => number = Date.now
	) {}

	note(clientIds: Iterable<number>) {
		for (const id of clientIds) this.changed.add(id);
		if (this.timer) return;
		const wait = this.lastSentAt + this.intervalMs - this.now();
		if (wait <= 0) this.flush();
		else this.timer = setTimeout(() => this.flush(), wait);
	}

	/** Forgets what is pending (the socket left; its states are removed separately). */
	cancel() {
		clearTimeout(this.timer);
		this.timer = undefined;
		this.changed.clear();
	}

	private flush() {
		this.timer = undefined;
		if (this.changed.size === 0) return;
		const ids = [...this.changed];
		this.changed.clear();
		this.lastSentAt = this.now();
		this.send(ids);
	}
}
