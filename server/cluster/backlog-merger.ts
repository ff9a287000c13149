/**
 * Merges the text frames that reach a run's driver while its event loop is busy into one `tokens` event.
 *
 * The worker sends a frame per ~16 ms of text at the model's full speed, and each becomes an event that the driver
 * numbers and fans out to every viewer. A web node whose fan-out costs more than a frame's interval (hundreds of
 * viewers on a shared CPU) falls behind, and frames queue in its Redis connection: latency grows for as long as the
 * run lasts (seconds, measured at 300 and 1000 viewers). In one process this cannot happen, because the fan-out slows
 * the decode that produces the frames.
 *
 * Here a frame is held until the end of the current turn of the event loop (setImmediate): an idle node sends it at
 * once (microseconds later), a busy one finds every frame that arrived while it worked in the same turn and sends
 * them as one event. The number of events adapts to what the node can fan out, and latency stays bounded by one
 * fan-out instead of by the length of the queue. Frames merge before they are numbered, so seqs stay gap-free and
 * the stored log holds all the text.
 */
export class BacklogMerger {
	private text = '';
	private count = 0;
	private newestAt?: number;
	private pending?: NodeJS.Immediate;

	constructor(private readonly send: (text: string, count: number, newestAt: number | undefined) => void) {}

	push(frame: { text: string; count: number; at?: number }): void {
		this.text += frame.text;
		this.count += frame.count;
		if (frame.at !== undefined) this.newestAt = frame.at;
		this.pending ??= setImmediate(() => this.flush());
	}

	/** Sends what is held now: before any other event of the answer, so the text stays ahead of it. */
	flush(): void {
		if (this.pending) clearImmediate(this.pending);
		this.pending = undefined;
		if (this.count === 0) return;
		const { text, count, newestAt } = this;
		this.text = '';
		this.count = 0;
		this.newestAt = undefined;
		this.send(text, count, newestAt);
	}
}
