import type { RunEventData, RunEventType } from '../../src/lib/contract/runs';
import { FrameCoalescer, traceTokens } from '../models/frame-coalescer';

/** What the graph's nodes need from the runner for one run: its cancel signal and a way to emit events. */
export interface RunContext {
	runId: string;
	roomId: string;
	signal: AbortSignal;
	emit<K extends RunEventType>(type: K, data: RunEventData[K]): void;
	/** Registers a node's work, so the runner waits for it before the run ends. */
	track<T>(work: Promise<T>): Promise<T>;
}

/**
 * The runner's side of a run's context. LangGraph stops iterating an aborted stream at once, while the node that was
 * running (llama.cpp decoding, a lease being released) finishes in the background. So every node's work is tracked,
 * the runner waits for it before writing the run's last event, and once sealed the context drops late events
 * instead of writing them after the end of the run's log.
 */
export class ActiveRunContext implements RunContext {
	private readonly work = new Set<Promise<unknown>>();
	private sealed = false;
	/** Events a node tried to emit after the run ended (for tests and logs; never written). */
	dropped = 0;

	constructor(
		readonly runId: string,
		readonly roomId: string,
		readonly signal: AbortSignal,
		private readonly write: <K extends RunEventType>(type: K, data: RunEventData[K]) => void
	) {}

	emit<K extends RunEventType>(type: K, data: RunEventData[K]): void {
		if (this.sealed) {
			this.dropped++;
			return;
		}
		this.write(type, data);
	}

	/** Runs a node's work under this context: the runner will wait for it to settle before the run ends. */
	track<T>(work: Promise<T>): Promise<T> {
		this.work.add(work);
		const done = () => this.work.delete(work);
		work.then(done, done);
		return work;
	}

	/** Waits (at most `timeoutMs`) for the nodes' work to stop, then refuses further events. */
	async seal(timeoutMs: number): Promise<void> {
		const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
		while (this.work.size > 0) {
			const settled = Promise.allSettled([...this.work]).then(() => 'settled' as const);
			if ((await Promise.race([settled, deadline.then(() => 'timeout' as const)])) === 'timeout') break;
		}
		this.sealed = true;
	}
}

/** Where the runner puts a run's context in LangGraph's config; nodes read it from there (it is never checkpointed). */
const RUN_CONTEXT_KEY = 'run';

export function withRunContext(threadId: string, context: RunContext): { configurable: Record<string, unknown> } {
	return { configurable: { thread_id: threadId, [RUN_CONTEXT_KEY]: context } };
}

/** The context of the run a node executes in (its signal and event emitter). */
export function runContextOf(config: { configurable?: Record<string, unknown> } | undefined): RunContext {
	const ctx = config?.configurable?.[RUN_CONTEXT_KEY] as RunContext | undefined;
	if (!ctx) throw new Error('a graph node ran without its run context');
	return ctx;
}

export const TOKEN_WINDOW_MS = 16;

/**
 * Coalesces streamed text into one `tokens` event per frame (~16 ms) while tokens flow; the first piece after a
 * quiet spell goes out at once, so time to first token is not delayed.
 */
export class TokenBatcher extends FrameCoalescer {
	constructor(ctx: RunContext, modelId: string, windowMs = TOKEN_WINDOW_MS, trace = traceTokens()) {
		super(
			(text, count, producedAt) => ctx.emit('tokens', trace ? { modelId, text, count, producedAt } : { modelId, text, count }),
			windowMs
		);
	}
}
