import type { LlamaModel, Token } from 'node-llama-cpp';

/**
 * Turns generated tokens into text pieces: holds back bytes of an unfinished UTF-8 character (byte-level tokens),
 * and holds back a tail that might be the start of a stop string, so a stop string never leaks into the output.
 */
export class TextStream {
	private text = '';
	private emitted = 0;
	private pending: Token[] = [];
	private readonly context: Token[] = [];
	private stoppedAt: number | null = null;

	constructor(
		private readonly model: LlamaModel,
		private readonly stops: readonly string[]
	) {}

	/** Adds a token without decoding it yet: decoding is one native call, so callers batch it per frame. */
	add(token: Token): void {
		this.pending.push(token);
	}

	/** Adds a token and decodes everything pending (see `drain`). */
	push(token: Token): { chunk: string; stopped: boolean } {
		this.pending.push(token);
		return this.drain();
	}

	/** Decodes pending tokens; returns the text now safe to show (maybe empty) and whether a stop string appeared. */
	drain(): { chunk: string; stopped: boolean } {
		if (this.pending.length === 0) return { chunk: '', stopped: this.stoppedAt !== null };
		const piece = this.model.detokenize(this.pending, false, this.context.slice(-8));
		if (piece.endsWith('\uFFFD')) return { chunk: '', stopped: false }; // wait for the rest of the character
		this.context.push(...this.pending);
		this.pending = [];
		this.text += piece;
		for (const stop of this.stops) {
			const at = this.text.indexOf(stop, Math.max(0, this.emitted - stop.length));
			if (at >= 0 && (this.stoppedAt === null || at < this.stoppedAt)) this.stoppedAt = at;
		}
		if (this.stoppedAt !== null) return { chunk: this.take(this.stoppedAt), stopped: true };
		return { chunk: this.take(this.text.length - this.heldTail()), stopped: false };
	}

	/** Whatever is still held back, at the end of generation. */
	flush(): string {
		const drained = this.drain().chunk;
		if (this.stoppedAt !== null) return drained + this.take(this.stoppedAt);
		return drained + this.take(this.text.length);
	}

	/** All text shown so far. */
	get output(): string {
		return this.text.slice(0, this.emitted);
	}

	private take(upTo: number): string {
		if (upTo <= this.emitted) return '';
		const chunk = this.text.slice(this.emitted, upTo);
		this.emitted = upTo;
		return chunk;
	}

	/** Length of the longest suffix of the text that is a proper prefix of some stop string. */
	private heldTail(): number {
		let held = 0;
		for (const stop of this.stops) {
			for (let n = Math.min(stop.length - 1, this.text.length); n > held; n--) {
				if (this.text.endsWith(stop.slice(0, n))) {
					held = n;
					break;
				}
			}
		}
		return held;
	}
}
