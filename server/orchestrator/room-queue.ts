/** 'queue': a run waits until the room's earlier runs stop moving; 'parallel': it starts at once. */
export type RunPolicy = 'queue' | 'parallel';

/** Per room, the runs under the 'queue' policy start one after another, in the order they entered. */
export class RoomQueue {
	/** Per room, when the last queued run stops moving. */
	private readonly tails = new Map<string, Promise<void>>();

	/** Registers a run that stops moving when `settled` resolves; returns what it must wait for first (none: start now). */
	enter(roomId: string, policy: RunPolicy, settled: Promise<void>): Promise<void> | undefined {
		if (policy === 'parallel') return undefined;
		const waitFor = this.tails.get(roomId);
		this.tails.set(roomId, settled);
		void settled.then(() => {
			if (this.tails.get(roomId) === settled) this.tails.delete(roomId);
		});
		return waitFor;
	}
}
