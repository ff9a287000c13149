import type { RunEvent } from '../../src/lib/contract/runs';
import type { EventOrigin, RoomRunEvent } from './bus';
import { EVENTS_PAGE } from './runs.repository';

/** How often a replay re-reads the log while the driver's next batch is due (it writes every ~100 ms). */
const POLL_MS = 25;

/** Runs remembered at most: the first heard is forgotten first (a run ends long before that many others start). */
const MAX_RUNS = 10_000;

/**
 * The highest seq this node has heard on the bus for each run another node drives. This node fans those events out
 * to its own sockets at once, while the driver stores them in batches (~100 ms later): a viewer here that replays in
 * between must still get every event this node already sent, or one that was told `run:resync` near the run's end
 * would be left short of it with nothing more coming to reveal the gap.
 */
export class HeardSeqs {
	private readonly seqs = new Map<string, number>();

	hear(event: RoomRunEvent, origin: EventOrigin): void {
		if (origin !== 'remote') return;
		const known = this.seqs.get(event.runId);
		if (known !== undefined && known >= event.seq) return;
		this.seqs.set(event.runId, event.seq); // keeps its place: the map's order is the order runs were first heard
		if (known === undefined && this.seqs.size > MAX_RUNS) this.seqs.delete(this.seqs.keys().next().value!);
	}

	/** The highest seq heard for a run driven elsewhere; undefined when none was. */
	of(runId: string): number | undefined {
		return this.seqs.get(runId);
	}

	/**
	 * The stored events after `afterSeq` once they reach what this node has heard of the run (or fill a page, or the
	 * run came to be driven here, or `waitMs` passed: then `covered` is false and the caller gets what is stored).
	 */
	async storedCovering(
		runId: string,
		afterSeq: number,
		read: () => Promise<RunEvent[]>,
		options: { waitMs: number; heldHere: () => boolean }
	): Promise<{ events: RunEvent[]; covered: boolean }> {
		const until = Date.now() + options.waitMs;
		for (;;) {
			const events = await read();
			const covered = (events.at(-1)?.seq ?? afterSeq) >= (this.of(runId) ?? 0) || events.length >= EVENTS_PAGE;
			if (covered || options.heldHere()) return { events, covered: true };
			if (Date.now() > until) return { events, covered: false };
			await new Promise((r) => setTimeout(r, POLL_MS));
		}
	}
}
