/**
 * Joins text pushed within one frame: the first piece of a quiet stream goes at once, a burst is sent once per
 * window. Used for a run's `tokens` events and for a worker's text frames over Redis.
 */
export class FrameCoalescer {
	private text = '';
	private count = 0;
	/** When the newest text in the frame was pushed (epoch ms, high resolution): the token-latency trace's origin. */
	private newestAt = 0;
	private timer?: NodeJS.Timeout;
	private lastSent = 0;

	constructor(
		private readonly send: (text: string, count: number, newestAt: number) => void,
		private readonly windowMs: number
	) {}

	push(chunk: string): void {
		this.text += chunk;
		this.count++;
		const now = performance.now();
		this.newestAt = performance.timeOrigin + now;
		if (this.timer) return;
		const wait = this.lastSent + this.windowMs - now;
		if (wait <= 0) this.flush();
		else this.timer = setTimeout(() => this.flush(), wait);
	}

	flush(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		if (!this.text) return;
		this.send(this.text, this.count, this.newestAt);
		this.text = '';
		this.count = 0;
		this.lastSent = performance.now();
	}
}

/**
 * SWITCHYARD_TRACE_TOKENS=1 stamps each `tokens` event with `producedAt`, the moment its newest text left the model
 * (on whichever process ran it), so benchmarks can measure model → viewer latency. Off by default: no extra bytes.
 */
export const traceTokens = () => process.env.SWITCHYARD_TRACE_TOKENS === '1';
