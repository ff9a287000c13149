/**
 * Keeps the runs decoding on one context in step, so node-llama-cpp decodes their next tokens in one batch.
 *
 * node-llama-cpp batches the sequences whose decode requests are queued when its dispatch loop looks. Each run's
 * token is sampled by a separate native call, so the runs get their tokens at slightly different moments; a run
 * that asks for its next token early is decoded with whoever else has asked, and the late ones wait for the next
 * batch. Four runs on the ~134 M benchmark model settled into batches of three (62 batches of 3, none of 4); where a
 * token is memory-bound (a GPU, many cores) a batch of three costs about what four do. Here every run that has its
 * token waits until all the others have theirs, and they all ask in the same event-loop turn, after
 * node-llama-cpp's loop has let go: one batch.
 *
 * A run joins after its prompt is evaluated (a long prompt must not hold the others back) and leaves when it stops.
 * A run alone never waits.
 */
export class DecodeRounds {
	private members = 0;
	private readonly waiting: (() => void)[] = [];
	private releaseScheduled = false;

	/** Runs taking part now. */
	get size(): number {
		return this.members;
	}

	join(): void {
		this.members++;
	}

	leave(): void {
		this.members--;
		this.releaseWhenAllArrived();
	}

	/**
	 * Call with the run's token in hand, before asking for the next: a promise that resolves when every member is
	 * ready for the next round, or null when the run is alone (no wait, no allocation).
	 */
	ready(): Promise<void> | null {
		if (this.members <= 1) return null;
		return new Promise((resolve) => {
			this.waiting.push(resolve);
			this.releaseWhenAllArrived();
		});
	}

	private releaseWhenAllArrived(): void {
		if (this.releaseScheduled || this.waiting.length === 0 || this.waiting.length < this.members) return;
		this.releaseScheduled = true;
		// The next turn: node-llama-cpp's dispatch loop (still finishing the last batch in this turn's microtasks) has
		// seen an empty queue and let go, so the requests made now all land in the next batch.
		setImmediate(() => {
			this.releaseScheduled = false;
			for (const resolve of this.waiting.splice(0)) resolve();
		});
	}
}
