// The room's past runs from REST (GET /api/runs), with search and filters; newer pages on demand. Stale responses
// (a slower answer to an older query) are dropped.
import type { RunStatus, RunSummary } from '../contract/runs';
import { getJson, type Fetch } from './http';

export interface HistoryFilters {
	q: string;
	status: RunStatus | '';
	model: string;
}

export class RunHistory {
	runs = $state<RunSummary[]>([]);
	filters = $state<HistoryFilters>({ q: '', status: '', model: '' });
	nextBefore = $state<number | null>(null);
	loading = $state(false);
	error = $state<string | null>(null);

	readonly #roomId: string;
	readonly #fetch: Fetch;
	readonly #debounceMs: number;
	readonly #limit: number;
	#request = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(roomId: string, options: { fetch?: Fetch; debounceMs?: number; limit?: number } = {}) {
		this.#roomId = roomId;
		this.#fetch = options.fetch ?? ((...args) => fetch(...args));
		this.#debounceMs = options.debounceMs ?? 250;
		this.#limit = options.limit ?? 30;
	}

	/** Changes filters; text search waits for a pause in typing, the rest loads at once. */
	setFilters(patch: Partial<HistoryFilters>) {
		this.filters = { ...this.filters, ...patch };
		if ('q' in patch && Object.keys(patch).length === 1) this.refreshSoon();
		else void this.load();
	}

	/** Loads again after a short pause (coalesces bursts, e.g. several runs ending together). */
	refreshSoon(delayMs = this.#debounceMs) {
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => void this.load(), delayMs);
	}

	url(before?: number): string {
		const p = new URLSearchParams({ room: this.#roomId, limit: String(this.#limit) });
		const { q, status, model } = this.filters;
		if (q.trim()) p.set('q', q.trim());
		if (status) p.set('status', status);
		if (model) p.set('model', model);
		if (before) p.set('before', String(before));
		return `/api/runs?${p}`;
	}

	async load() {
		clearTimeout(this.#timer);
		await this.#fetchPage(undefined);
	}

	async more() {
		if (this.nextBefore !== null && !this.loading) await this.#fetchPage(this.nextBefore);
	}

	destroy() {
		clearTimeout(this.#timer);
		this.#request++;
	}

	async #fetchPage(before: number | undefined) {
		const request = ++this.#request;
		this.loading = true;
		try {
			const page = await getJson<{ runs: RunSummary[]; nextBefore: number | null }>(this.#fetch, this.url(before));
			if (request !== this.#request) return;
			this.runs = before ? [...this.runs, ...page.runs.filter((r) => !this.runs.some((x) => x.id === r.id))] : page.runs;
			this.nextBefore = page.nextBefore;
			this.error = null;
		} catch (err) {
			if (request === this.#request) this.error = err instanceof Error ? err.message : String(err);
		} finally {
			if (request === this.#request) this.loading = false;
		}
	}
}
