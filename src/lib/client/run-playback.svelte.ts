// A stored run's timeline, replayed onto the graph: load its events once, then play, pause or scrub; the view at
// any position is the run as it stood after that many events.
import type { RunEvent, RunSummary } from '../contract/runs';
import { getJson, type Fetch } from './http';
import { RunView } from './run-view.svelte';

export class RunPlayback {
	run = $state<(RunSummary & { answer?: string | null }) | null>(null);
	events = $state.raw<RunEvent[]>([]);
	/** How many events are applied (0 … events.length). */
	position = $state(0);
	view = $state.raw<RunView | null>(null);
	playing = $state(false);
	/** Playback speed relative to real time. */
	speed = $state(4);
	loading = $state(false);
	error = $state<string | null>(null);

	readonly #fetch: Fetch;
	readonly #maxStepMs: number;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#request = 0;

	constructor(options: { fetch?: Fetch; maxStepMs?: number } = {}) {
		this.#fetch = options.fetch ?? ((...args) => fetch(...args));
		this.#maxStepMs = options.maxStepMs ?? 400;
	}

	get runId(): string | null {
		return this.run?.id ?? null;
	}

	get atEnd(): boolean {
		return this.position >= this.events.length;
	}

	/** Milliseconds from the first event to the current one. */
	get elapsedMs(): number {
		if (!this.events.length || this.position === 0) return 0;
		return this.events[this.position - 1].ts - this.events[0].ts;
	}

	get durationMs(): number {
		return this.events.length ? this.events[this.events.length - 1].ts - this.events[0].ts : 0;
	}

	/** Opens a run at its end (everything shown); play() watches it from the start. */
	async open(runId: string) {
		this.pause();
		const request = ++this.#request;
		this.loading = true;
		this.error = null;
		try {
			const [run, { events }] = await Promise.all([
				getJson<RunSummary & { answer?: string | null }>(this.#fetch, `/api/runs/${runId}`),
				getJson<{ events: RunEvent[] }>(this.#fetch, `/api/runs/${runId}/events`)
			]);
			if (request !== this.#request) return;
			this.run = run;
			this.events = events;
			this.view = RunView.fromEvents(runId, events);
			this.position = events.length;
		} catch (err) {
			if (request === this.#request) this.error = err instanceof Error ? err.message : String(err);
		} finally {
			if (request === this.#request) this.loading = false;
		}
	}

	close() {
		this.pause();
		this.#request++;
		this.run = null;
		this.events = [];
		this.view = null;
		this.position = 0;
	}

	/** Shows the run as it stood after `position` events. */
	seek(position: number) {
		const to = Math.max(0, Math.min(this.events.length, Math.round(position)));
		const id = this.runId;
		if (!id) return;
		if (!this.view || to < this.position) {
			this.view = RunView.fromEvents(id, this.events.slice(0, to));
		} else {
			for (const e of this.events.slice(this.position, to)) this.view.apply(e);
		}
		this.position = to;
	}

	play() {
		if (!this.runId || this.playing) return;
		if (this.atEnd) this.seek(0);
		this.playing = true;
		this.#schedule();
	}

	pause() {
		this.playing = false;
		clearTimeout(this.#timer);
		this.#timer = undefined;
	}

	toggle() {
		if (this.playing) this.pause();
		else this.play();
	}

	#schedule() {
		if (!this.playing) return;
		if (this.atEnd) {
			this.pause();
			return;
		}
		const prev = this.position > 0 ? this.events[this.position - 1].ts : this.events[0].ts;
		const gap = (this.events[this.position].ts - prev) / this.speed;
		this.#timer = setTimeout(
			() => {
				this.seek(this.position + 1);
				this.#schedule();
			},
			Math.max(0, Math.min(this.#maxStepMs, gap))
		);
	}
}
