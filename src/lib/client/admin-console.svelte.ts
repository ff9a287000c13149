import type {
	AdminModel,
	AdminOverview,
	AdminPreview,
	AdminUser,
	CacheEvictedEvent,
	CacheFailedEvent,
	CacheLoadedEvent,
	CacheLoadingEvent,
	CacheUnloadedEvent,
	ModelBytes,
	PullState,
	Role
} from '$contract/admin';
import type { AppSocket } from './socket';
import { formatBytes } from '../contract/format';

export type CacheEventKind = 'loading' | 'loaded' | 'evicted' | 'unloaded' | 'failed';

export interface CacheLogEntry {
	seq: number;
	at: number;
	kind: CacheEventKind;
	modelId: string;
	detail: string;
}

const LOG_LIMIT = 100;
const REFRESH_DEBOUNCE_MS = 150;
const MIB = 1024 * 1024;

/**
 * The admin page's state and actions: the model cache (from `GET /api/admin/models`, refreshed after every action
 * and every live `cache:*` event), the eviction preview shown before a load, pulls, the cache log and user roles.
 * Components only render it and call its methods.
 */
export class AdminConsole {
	overview = $state<AdminOverview>({
		models: [],
		budget: { ramBytes: 0, vramBytes: 0 },
		used: { ramBytes: 0, vramBytes: 0 },
		stats: { hits: 0, misses: 0, evictions: 0, loads: 0, failures: 0, loadMsTotal: 0, averageLoadMs: null },
		defaultKeepAliveMs: null,
		pulls: []
	});
	users = $state<AdminUser[]>([]);
	/** Live cache events since the page opened, newest first. */
	log = $state<CacheLogEntry[]>([]);
	/** The eviction preview of the model the admin is about to load; the load waits for confirmLoad(). */
	preview = $state<AdminPreview | null>(null);
	/** Key of the action in flight (e.g. `unload:sy-tiny`), to disable its button. */
	busy = $state<string | null>(null);
	error = $state<string | null>(null);
	notice = $state<string | null>(null);
	live = $state(false);

	loaded = $derived(this.overview.models.filter((m) => m.state !== 'unloaded'));
	/** Models kept away from llama.cpp, with why. */
	quarantined = $derived(this.overview.models.filter((m) => m.quarantine !== null));
	pulls = $derived(Object.fromEntries(this.overview.pulls.map((p) => [p.modelId, p])) as Record<string, PullState>);

	#socket: AppSocket | undefined;
	readonly #fetch: typeof fetch;
	readonly #meId: string;
	#seq = 0;
	#refreshTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(initial: { overview: AdminOverview; users: AdminUser[]; meId: string }, fetcher: typeof fetch = (...a) => fetch(...a)) {
		this.#fetch = fetcher;
		this.#meId = initial.meId;
		this.overview = initial.overview;
		this.users = initial.users;
	}

	/** Follows the live `cache:*` events on the socket (browser only); returns the function that stops. */
	connect(socket: AppSocket): () => void {
		this.#socket = socket;
		socket.on('connect', this.#connected);
		socket.on('disconnect', this.#disconnected);
		socket.on('cache:loading', this.#onLoading);
		socket.on('cache:loaded', this.#onLoaded);
		socket.on('cache:evicted', this.#onEvicted);
		socket.on('cache:unloaded', this.#onUnloaded);
		socket.on('cache:failed', this.#onFailed);
		socket.on('cache:pull', this.#onPull);
		this.live = socket.connected;
		return () => {
			clearTimeout(this.#refreshTimer);
			socket.off('connect', this.#connected);
			socket.off('disconnect', this.#disconnected);
			socket.off('cache:loading', this.#onLoading);
			socket.off('cache:loaded', this.#onLoaded);
			socket.off('cache:evicted', this.#onEvicted);
			socket.off('cache:unloaded', this.#onUnloaded);
			socket.off('cache:failed', this.#onFailed);
			socket.off('cache:pull', this.#onPull);
			if (this.#socket === socket) this.#socket = undefined;
			this.live = false;
		};
	}

	isBusy(action: string, modelId?: string): boolean {
		return this.busy === (modelId ? `${action}:${modelId}` : action);
	}

	/** Share of the budget in use, 0–1 (0 when the budget is 0). */
	fraction(kind: keyof ModelBytes): number {
		const budget = this.overview.budget[kind];
		return budget > 0 ? Math.min(1, this.overview.used[kind] / budget) : 0;
	}

	async refresh(): Promise<void> {
		const overview = await this.#call<AdminOverview>('GET', '/api/admin/models');
		if (overview) this.overview = overview;
	}

	async refreshUsers(): Promise<void> {
		const data = await this.#call<{ users: AdminUser[] }>('GET', '/api/admin/users');
		if (data) this.users = data.users;
	}

	/** Step one of a load: fetch and show the eviction preview. */
	async askPreload(modelId: string): Promise<void> {
		await this.#act(
			`preview:${modelId}`,
			async () => {
				const preview = await this.#call<AdminPreview>('GET', `/api/admin/models/${encodeURIComponent(modelId)}/preview`);
				if (preview) this.preview = preview;
			},
			false
		);
	}

	/** Step two: load the previewed model. */
	async confirmLoad(): Promise<void> {
		const modelId = this.preview?.modelId;
		if (!modelId) return;
		await this.#act(`preload:${modelId}`, async () => {
			const model = await this.#call<AdminModel>('POST', `/api/admin/models/${encodeURIComponent(modelId)}/preload`);
			if (model) {
				this.preview = null;
				this.notice = `${modelId} is loaded (${formatBytes(model.ramBytes)} RAM).`;
			}
		});
	}

	cancelPreview() {
		this.preview = null;
	}

	async unload(modelId: string): Promise<void> {
		await this.#act(`unload:${modelId}`, async () => {
			if (await this.#call('POST', `/api/admin/models/${encodeURIComponent(modelId)}/unload`)) this.notice = `${modelId} was unloaded.`;
		});
	}

	/** Lifts a model's quarantine: the next run that needs it loads the file again. */
	async clearQuarantine(modelId: string): Promise<void> {
		await this.#act(`quarantine:${modelId}`, async () => {
			if (await this.#call('DELETE', `/api/admin/models/${encodeURIComponent(modelId)}/quarantine`))
				this.notice = `${modelId} is out of quarantine: the next run that needs it loads its file again.`;
		});
	}

	async setPinned(modelId: string, pinned: boolean): Promise<void> {
		await this.#act(`pin:${modelId}`, () =>
			this.#call('POST', `/api/admin/models/${encodeURIComponent(modelId)}/${pinned ? 'pin' : 'unpin'}`)
		);
	}

	/** Idle seconds before the model unloads; null keeps it until evicted. */
	async setKeepAlive(modelId: string, seconds: number | null): Promise<void> {
		if (seconds !== null && (!Number.isInteger(seconds) || seconds < 1)) {
			this.error = 'Keep-alive is a whole number of seconds (at least 1), or empty to keep the model until evicted.';
			return;
		}
		await this.#act(`ttl:${modelId}`, () => this.#call('PUT', `/api/admin/models/${encodeURIComponent(modelId)}/keep-alive`, { seconds }));
	}

	/** Budgets in MiB, as typed into the form. */
	async setBudget(ramMiB: number, vramMiB: number): Promise<void> {
		if (!(ramMiB >= 0) || !(vramMiB >= 0)) {
			this.error = 'Budgets are sizes in MiB, 0 or more.';
			return;
		}
		await this.#act('budget', async () => {
			const body = { ramBytes: Math.round(ramMiB * MIB), vramBytes: Math.round(vramMiB * MIB) };
			if (await this.#call('PUT', '/api/admin/budget', body))
				this.notice = `Budget set to ${formatBytes(body.ramBytes)} RAM / ${formatBytes(body.vramBytes)} VRAM.`;
		});
	}

	/** Pulls a catalogue model (`id`) or a file outside the catalogue (`uri`); true when it started. */
	async pull(target: string, by: 'id' | 'uri' = 'id'): Promise<boolean> {
		let started = false;
		await this.#act(
			`pull:${target}`,
			async () => {
				const state = await this.#call<PullState>('POST', '/api/admin/models/pull', { [by]: target });
				if (state) this.#setPull(state);
				started = state != null;
			},
			false
		);
		return started;
	}

	async setRole(userId: string, role: Role): Promise<void> {
		await this.#act(
			`role:${userId}`,
			async () => {
				const user = await this.#call<AdminUser>('PUT', `/api/admin/users/${encodeURIComponent(userId)}/role`, { role });
				if (!user) return;
				this.users = this.users.map((u) => (u.id === user.id ? user : u));
				if (user.id === this.#meId && role !== 'admin') this.notice = 'You are no longer an admin; reload to leave this page.';
			},
			false
		);
	}

	// ── internals ────────────────────────────────────────────────────────────────────────────────────────────────

	async #act(key: string, work: () => Promise<unknown>, refresh = true): Promise<void> {
		this.busy = key;
		this.error = null;
		this.notice = null;
		try {
			await work();
			if (refresh) await this.refresh();
		} finally {
			if (this.busy === key) this.busy = null;
		}
	}

	async #call<T = unknown>(method: string, url: string, body?: unknown): Promise<T | null> {
		let res: Response;
		try {
			res = await this.#fetch(url, {
				method,
				credentials: 'same-origin',
				headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body)
			});
		} catch {
			this.error = 'Cannot reach the server.';
			return null;
		}
		const data = (await res.json().catch(() => null)) as (T & { message?: string }) | null;
		if (!res.ok) {
			this.error = data?.message ?? `Request failed (${res.status})`;
			return null;
		}
		return data;
	}

	#scheduleRefresh() {
		clearTimeout(this.#refreshTimer);
		this.#refreshTimer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
	}

	#record(kind: CacheEventKind, modelId: string, at: number, detail: string) {
		this.log = [{ seq: ++this.#seq, at, kind, modelId, detail }, ...this.log].slice(0, LOG_LIMIT);
		this.#scheduleRefresh();
	}

	#setPull(state: PullState) {
		this.overview.pulls = [...this.overview.pulls.filter((p) => p.modelId !== state.modelId), state];
	}

	#connected = () => {
		this.live = true;
		void this.refresh(); // events may have been missed while offline
	};

	#disconnected = () => {
		this.live = false;
	};

	#onLoading = (e: CacheLoadingEvent) => this.#record('loading', e.modelId, e.at, `loading, ${formatBytes(e.ramBytes)} RAM reserved`);
	#onLoaded = (e: CacheLoadedEvent) => this.#record('loaded', e.modelId, e.at, `loaded in ${Math.round(e.ms)} ms (${e.strategy})`);
	#onEvicted = (e: CacheEvictedEvent) =>
		this.#record(
			'evicted',
			e.modelId,
			e.at,
			`evicted ${e.reason === 'lru' ? 'to make room (least recently used)' : 'to fit a smaller budget'}, ${formatBytes(e.ramBytes)} freed`
		);
	#onUnloaded = (e: CacheUnloadedEvent) =>
		this.#record(
			'unloaded',
			e.modelId,
			e.at,
			e.reason === 'admin' ? 'unloaded by an admin' : e.reason === 'ttl' ? 'unloaded after its keep-alive' : 'unloaded at shutdown'
		);
	#onFailed = (e: CacheFailedEvent) => this.#record('failed', e.modelId, e.at, `failed to load: ${e.error}`);

	#onPull = (state: PullState) => {
		this.#setPull(state);
		if (state.status === 'done') this.notice = `${state.modelId} was pulled.`;
		if (state.status === 'failed') this.error = `Pull of ${state.modelId} failed: ${state.error}`;
		if (state.status !== 'running') this.#scheduleRefresh();
	};
}
