// Admin API and `cache:*` events (docs/PROTOCOL.md, "Admin"): request schemas and the shapes the server sends.
import { z } from 'zod';

const bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** `PUT /api/admin/budget` */
export const budgetSchema = z.object({ ramBytes: bytes, vramBytes: bytes });

/** `PUT /api/admin/models/:id/keep-alive`: idle seconds before unloading; null keeps the model until evicted. */
export const keepAliveSchema = z.object({
	seconds: z
		.number()
		.int()
		.min(1)
		.max(30 * 24 * 3600)
		.nullable()
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A model file to pull that is not in the catalogue: `hf:<user>/<repo>/<file>.gguf` (the file names itself) or an
 * https URL whose path ends in a `.gguf` file name. Plain http only to this machine (a local mirror, tests): a file
 * fetched over the network without TLS could be swapped on the way. The file name becomes the model id.
 */
export const pullUriSchema = z
	.string()
	.trim()
	.max(2000)
	.refine((s) => {
		if (/^hf:[\w.-]+\/[\w.-]+\/([\w.-]+\/)*[\w.-]+\.gguf(#[\w./-]+)?$/i.test(s))
			return !s.split(/[/#:]/).some((segment) => segment === '.' || segment === '..'); // no way out of the repository
		if (!URL.canParse(s)) return false;
		const url = new URL(s);
		const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
		return secure && !url.username && !url.password && /\/[\w.-]+\.gguf$/i.test(url.pathname);
	}, 'must be hf:<user>/<repo>/<file>.gguf or an https URL of a .gguf file');

/** The file a pull of `uri` writes (its last path segment), e.g. `model-q4_k_m.gguf`. */
export function pullFileName(uri: string): string {
	const path = uri.startsWith('hf:') ? uri.slice(3).split('#')[0] : new URL(uri).pathname;
	return decodeURIComponent(path.split('/').at(-1) ?? '');
}

/** `POST /api/admin/models/pull`: a catalogue id, or a URI of a file outside the catalogue. */
export const pullSchema = z.union([z.strictObject({ id: z.string().min(1).max(200) }), z.strictObject({ uri: pullUriSchema })]);

export const roles = ['admin', 'member'] as const;
export type Role = (typeof roles)[number];

/** `PUT /api/admin/users/:id/role` */
export const roleSchema = z.object({ role: z.enum(roles) });

export type CacheState = 'loading' | 'ready' | 'unloading' | 'unloaded';
export type LoadStrategy = 'gpu-full' | 'gpu-partial' | 'cpu';

/** A model as the cache holds it: the one shape the manager reports, the admin rows extend and the router's snapshot narrows. */
export interface ModelCacheStatus {
	id: string;
	state: Exclude<CacheState, 'unloaded'>;
	/** Reserved bytes while loading or loaded. */
	ramBytes: number;
	vramBytes: number;
	leases: number;
	queued: number;
	pinned: boolean;
	/** Idle time before unloading; null: kept until evicted. */
	keepAliveMs: number | null;
	lastUsedAt: number;
	strategy: LoadStrategy | null;
	loadMs: number | null;
}

/**
 * Why a model is quarantined (never routed to, never loaded): its file failed inspection, llama.cpp refused it, or
 * the server stopped while llama.cpp was loading it (a crash in native code takes the whole process down).
 */
export type QuarantineCause = 'invalid_file' | 'load_failed' | 'crashed';

export interface QuarantineInfo {
	cause: QuarantineCause;
	/** For people: what is wrong with the file, naming the tensor or key where known. */
	reason: string;
	/** When it was quarantined (epoch ms). */
	since: number;
}

export interface ModelBytes {
	ramBytes: number;
	vramBytes: number;
}

/** A catalogue or discovered model joined with its cache status (zeros and nulls when it is not loaded). */
export interface AdminModel extends Omit<ModelCacheStatus, 'state' | 'lastUsedAt'> {
	state: CacheState;
	lastUsedAt: number | null;
	displayName: string;
	/** `loaded`: in the cache, but no longer in the catalogue or the models folder. */
	origin: 'catalog' | 'discovered' | 'loaded';
	/** The file is here, passed inspection and is not quarantined: runs can use the model. */
	present: boolean;
	generated: boolean;
	parameters: string;
	quantization: string;
	contextSize: number;
	capabilities: string[];
	/** File size on disk; null when the file is missing. */
	sizeBytes: number | null;
	/** Catalogue download size, when the catalogue states it. */
	downloadSizeBytes: number | null;
	problem: string | null;
	/** Set while the model is quarantined; `DELETE /api/admin/models/:id/quarantine` clears it. */
	quarantine: QuarantineInfo | null;
}

export interface CacheStats {
	hits: number;
	misses: number;
	evictions: number;
	loads: number;
	failures: number;
	loadMsTotal: number;
	/** Mean load time; null before the first load. */
	averageLoadMs: number | null;
}

export type PullStatus = 'running' | 'done' | 'failed';

/** A background pull of a catalogue model; also the `cache:pull` event payload. */
export interface PullState {
	modelId: string;
	status: PullStatus;
	downloadedBytes: number;
	totalBytes: number;
	bytesPerSecond: number;
	startedAt: number;
	finishedAt: number | null;
	error: string | null;
}

/** `GET /api/admin/models` */
export interface AdminOverview {
	models: AdminModel[];
	budget: ModelBytes;
	used: ModelBytes;
	stats: CacheStats;
	/** The default keep-alive (MODEL_KEEP_ALIVE_S); null: kept until evicted. */
	defaultKeepAliveMs: number | null;
	pulls: PullState[];
}

/** `GET /api/admin/models/:id/preview` */
export interface AdminPreview {
	modelId: string;
	loaded: boolean;
	fits: boolean;
	needs: ModelBytes;
	evicts: string[];
	reason: string | null;
	/** One sentence for people, e.g. "Loading sy-code (43 MiB RAM) would evict sy-tiny and sy-chat-small." */
	text: string;
}

export interface AdminUser {
	id: string;
	email: string;
	name: string;
	role: Role;
	createdAt: number;
}

// ── `cache:*` events (server → admins' sockets). `at`: when it happened (epoch ms). ──────────────────────────────
export interface CacheLoadingEvent extends ModelBytes {
	/** The worker whose cache it is, in a cluster (absent in a single process). */
	workerId?: string;
	modelId: string;
	at: number;
}
export interface CacheLoadedEvent extends ModelBytes {
	/** The worker whose cache it is, in a cluster (absent in a single process). */
	workerId?: string;
	modelId: string;
	ms: number;
	strategy: string;
	fallbacks: number;
	at: number;
}
export interface CacheEvictedEvent extends ModelBytes {
	/** The worker whose cache it is, in a cluster (absent in a single process). */
	workerId?: string;
	modelId: string;
	reason: 'lru' | 'budget';
	at: number;
}
export interface CacheUnloadedEvent extends ModelBytes {
	/** The worker whose cache it is, in a cluster (absent in a single process). */
	workerId?: string;
	modelId: string;
	reason: 'admin' | 'ttl' | 'shutdown';
	at: number;
}
export interface CacheFailedEvent {
	/** The worker whose cache it is, in a cluster (absent in a single process). */
	workerId?: string;
	modelId: string;
	error: string;
	ms: number;
	at: number;
}
