import type { LlamaModel, Token } from 'node-llama-cpp';

/** Tokens before the pending ones passed to detokenize, so a piece decodes as it would inside the whole text. */
const DETOKENIZE_CONTEXT = 8;

/**
 * Turns generated tokens into text pieces: holds back bytes of an unfinished UTF-8 character (byte-level tokens),
 * and holds back a tail that might be the start of a stop string, so a stop string never leaks into the output.
 *
 * Cost is independent of how long the answer is: the shown text is kept as pieces (joined only when read), and a
 * stop string is searched for only in the held-back tail plus the new piece. A stop string cannot start in text
 * already shown, because any tail that could begin one is held back.
 */
export class TextStream {
	/** Shown text: `joined` plus the pieces shown since it was last read, joined on the next read. */
	private joined = '';
	private unjoined: string[] = [];
	/** Decoded text not shown yet: the longest tail that is a proper prefix of a stop string. */
	private held = '';
	private lastVisible = '';
	private pending: Token[] = [];
	private previous: Token[] = [];
	private stopped = false;
	/** Per stop string, its proper prefixes, longest first. */
	private readonly stopPrefixes: string[][];

	constructor(
		private readonly model: LlamaModel,
		private readonly stops: readonly string[]
	) {
		this.stopPrefixes = stops.map((stop) => Array.from({ length: stop.length - 1 }, (_, i) => stop.slice(0, stop.length - 1 - i)));
	}

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
		if (this.stopped || this.pending.length === 0) return { chunk: '', stopped: this.stopped };
		const piece = this.model.detokenize(this.pending, false, this.previous);
		if (piece.endsWith('\uFFFD')) return { chunk: '', stopped: false }; // wait for the rest of the character
		this.previous = this.previous.concat(this.pending).slice(-DETOKENIZE_CONTEXT);
		this.pending = [];
		const text = this.held + piece;
		let stopAt = -1;
		for (const stop of this.stops) {
			const at = text.indexOf(stop);
			if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
		}
		if (stopAt >= 0) {
			this.stopped = true;
			this.held = '';
			return { chunk: this.show(text.slice(0, stopAt)), stopped: true };
		}
		const keep = this.heldTail(text);
		this.held = keep > 0 ? text.slice(text.length - keep) : '';
		return { chunk: this.show(keep > 0 ? text.slice(0, text.length - keep) : text), stopped: false };
	}

	/** Whatever is still held back, at the end of generation (bytes of an unfinished character are dropped). */
	flush(): string {
		const drained = this.drain().chunk;
		if (this.stopped) return drained;
		const rest = this.held;
		this.held = '';
		return drained + this.show(rest);
	}

	/** All text shown so far. */
	get output(): string {
		if (this.unjoined.length > 0) {
			this.joined += this.unjoined.join('');
			this.unjoined = [];
		}
		return this.joined;
	}

	/** The last non-whitespace character shown, without joining the output. */
	get lastVisibleChar(): string {
		return this.lastVisible;
	}

	private show(chunk: string): string {
		if (!chunk) return '';
		this.unjoined.push(chunk);
		const visible = chunk.trimEnd();
		if (visible) this.lastVisible = visible[visible.length - 1];
		return chunk;
	}

	/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
	private heldTail(text: string): number {
		let held = 0;
		for (const prefixes of this.stopPrefixes) {
			for (const prefix of prefixes) {
				if (prefix.length <= held) break;
				if (text.endsWith(prefix)) {
					held = prefix.length;
					break;
				}
			}
		}
		return held;
	}
}
