import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';
import { DecodeRounds } from './decode-rounds';
import { ModelError } from './model-errors';

interface Waiter {
	resolve(sequence: LlamaContextSequence): void;
	reject(error: Error): void;
}

/**
 * The sequences of one context: concurrent runs on a model share its context and are decoded in one batch.
 * Beyond `parallelism` runs, callers wait in a bounded FIFO queue; past `maxQueue` they get a clear error.
 */
export class SequencePool {
	private readonly free: LlamaContextSequence[] = [];
	private readonly waiters: Waiter[] = [];
	private created = 0;
	private busy = 0;
	/** Keeps the runs generating on these sequences in step, so each token round is one batch. */
	readonly rounds = new DecodeRounds();

	constructor(
		private readonly context: LlamaContext,
		readonly parallelism: number,
		private readonly maxQueue: number
	) {}

	get active(): number {
		return this.busy;
	}

	get queued(): number {
		return this.waiters.length;
	}

	/** A free sequence now, or null (the fast path: no promise, no allocation when one is free). */
	tryTake(): LlamaContextSequence | null {
		const sequence = this.free.pop() ?? (this.created < this.parallelism ? this.create() : null);
		if (sequence) this.busy++;
		return sequence;
	}

	/** Waits for a sequence; the wait ends early with `aborted` when the signal fires. */
	take(signal?: AbortSignal): Promise<LlamaContextSequence> {
		const now = this.tryTake();
		if (now) return Promise.resolve(now);
		if (this.waiters.length >= this.maxQueue) {
			return Promise.reject(
				new ModelError('queue_full', `All ${this.parallelism} sequences are busy and ${this.maxQueue} runs are already waiting`)
			);
		}
		if (signal?.aborted) return Promise.reject(new ModelError('aborted', 'Cancelled while waiting for the model'));
		return new Promise((resolve, reject) => {
			const waiter: Waiter = {
				resolve: (s) => {
					signal?.removeEventListener('abort', onAbort);
					resolve(s);
				},
				reject
			};
			const onAbort = () => {
				const i = this.waiters.indexOf(waiter);
				if (i >= 0) this.waiters.splice(i, 1);
				reject(new ModelError('aborted', 'Cancelled while waiting for the model'));
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			this.waiters.push(waiter);
		});
	}

	/** Returns a sequence with its history cleared, handing it straight to the next waiter if there is one. */
	async give(sequence: LlamaContextSequence): Promise<void> {
		await sequence.clearHistory();
		const next = this.waiters.shift();
		if (next) return next.resolve(sequence);
		this.busy--;
		this.free.push(sequence);
	}

	/** Fails every waiter (the model is going away). */
	rejectWaiters(error: Error): void {
		for (const w of this.waiters.splice(0)) w.reject(error);
	}

	private create(): LlamaContextSequence {
		this.created++;
		return this.context.getSequence();
	}
}
