import type { RunEventData, RunEventType } from '../../src/lib/contract/runs';

/** What the graph's nodes need from the runner for one run: its cancel signal and a way to emit events. */
export interface RunContext {
	runId: string;
	roomId: string;
	signal: AbortSignal;
	emit<K extends RunEventType>(type: K, data: RunEventData[K]): void;
}

/** The runner registers a context per active run; nodes find theirs by run id (state stays serialisable). */
export class RunContexts {
	private readonly contexts = new Map<string, RunContext>();
	set(ctx: RunContext) {
		this.contexts.set(ctx.runId, ctx);
	}
	delete(runId: string) {
		this.contexts.delete(runId);
	}
	get(runId: string): RunContext {
		const ctx = this.contexts.get(runId);
		if (!ctx) throw new Error(`run ${runId} has no active context`);
		return ctx;
	}
}

export const TOKEN_WINDOW_MS = 16;

/**
 * Coalesces streamed text into one `tokens` event per frame (~16 ms) while tokens flow; the first piece after a
 * quiet spell goes out at once, so time to first token is not delayed.
 */
export class TokenBatcher {
	private text = '';
	private count = 0;
	private timer?: NodeJS.Timeout;
	private lastSent = 0;

	constructor(
		private readonly ctx: RunContext,
		private readonly modelId: string,
		private readonly windowMs = TOKEN_WINDOW_MS
	) {}

	push(text: string) {
		this.text += text;
		this.count++;
		if (this.timer) return;
		const wait = this.lastSent + this.windowMs - performance.now();
		if (wait <= 0) this.flush();
		else this.timer = setTimeout(() => this.flush(), wait);
	}

	flush() {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		if (!this.text) return;
		this.ctx.emit('tokens', { modelId: this.modelId, text: this.text, count: this.count });
		this.text = '';
		this.count = 0;
		this.lastSent = performance.now();
	}
}
