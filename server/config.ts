import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defaultYjsLimits } from './yjs/limits';

/** Thrown at start-up when the environment is wrong; the message names the variable and the problem. */
export class ConfigError extends Error {
	override name = 'ConfigError';
}

const MB = 1024 * 1024;

/** A token bucket's size and refill per minute. */
const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);
const bytes = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const boolFromEnv = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	HOST: z.string().min(1).default('0.0.0.0'),
	ORIGIN: z.url().optional(),
	DATABASE_URL: z.string().min(1).optional(),
	SWITCHYARD_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
	REDIS_URL: z
		.string()
		.regex(/^rediss?:\/\//, 'must be redis://… or rediss://…')
		.optional(),
	REDIS_PREFIX: z
		.string()
		.regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, _ or -')
		.default('sy'),
	WORKER_ID: z
		.string()
		.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, ., _ or -')
		.optional(),
	WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
	RUN_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
	DATA_DIR: z.string().min(1).default('data'),
	MODELS_DIR: z.string().min(1).default('models'),
	ADMIN_EMAIL: z.email().optional(),
	ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
	SESSION_DAYS: z.coerce.number().positive().max(365).default(30),
	LOGIN_RATE_PER_MINUTE: perMinute(10),
	LOGIN_ADDRESS_RATE_PER_MINUTE: perMinute(30),
	SIGNUP_RATE_PER_MINUTE: perMinute(5),
	ROOM_CREATE_RATE_PER_MINUTE: perMinute(10),
	API_KEY_CREATE_RATE_PER_MINUTE: perMinute(5),
	ROOM_JOIN_RATE_PER_MINUTE: perMinute(60),
	RUN_REPLAY_RATE_PER_MINUTE: perMinute(120),
	YJS_MAX_DOC_BYTES: bytes(1024, 256 * MB, defaultYjsLimits.maxDocBytes),
	YJS_MAX_MESSAGE_BYTES: bytes(256, 64 * MB, defaultYjsLimits.maxMessageBytes),
	YJS_MAX_AWARENESS_BYTES: bytes(256, MB, defaultYjsLimits.maxAwarenessBytes),
	YJS_SYNC_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(defaultYjsLimits.syncMessagesPerSecond),
	YJS_AWARENESS_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(defaultYjsLimits.awarenessMessagesPerSecond),
	SOCKET_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(100_000).default(20),
	SOCKET_MAX_BUFFER_BYTES: bytes(4096, 256 * MB, 1_000_000),
	V1_MAX_BODY_BYTES: bytes(1024, 256 * MB, 256 * 1024),
	SECURE_COOKIES: boolFromEnv.optional(),
	MODEL_RAM_BUDGET_MB: z.coerce.number().int().positive().optional(),
	MODEL_VRAM_BUDGET_MB: z.coerce.number().int().min(0).optional(),
	MODEL_KEEP_ALIVE_S: z.coerce.number().int().min(0).default(600),
	MODEL_PARALLELISM: z.coerce.number().int().min(1).max(64).default(4),
	MODEL_MAX_QUEUE: z.coerce.number().int().min(0).max(10_000).default(32),
	MODEL_CONTEXT_SIZE: z.coerce.number().int().min(256).max(131_072).default(4096),
	MODEL_MMAP: boolFromEnv.default(true),
	MODEL_LOAD_CHECK: z
		.enum(['child', 'off'], {
			error: 'must be child (open each new model file in a supervised child process before the server loads it) or off'
		})
		.default('child'),
	GENERATE_MODELS: boolFromEnv.default(true),
	CLASSIFIER_MODEL: z
		.string()
		.regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a model id')
		.optional(),
	SUMMARY_MODEL: z
		.string()
		.regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a model id')
		.optional(),
	METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
	RUNS_MAX_ACTIVE_PER_USER: z.coerce.number().int().min(1).max(10_000).default(8),
	RUNS_MAX_ACTIVE_PER_ROOM: z.coerce.number().int().min(1).max(10_000).default(16),
	TELEMETRY_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	LOG_PRETTY: boolFromEnv.optional(),
	NODE_ENV: z.string().optional()
});

export type Database = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** What this process runs: `all` = web and inference in one process (the default), `web` or `worker` alone. */
export type Role = 'all' | 'web' | 'worker';

/**
 * One process (no REDIS_URL: in-memory seams, today's single node) or a member of a cluster that shares Redis and
 * PostgreSQL. Every seam picks its implementation from this once, in server/app.ts.
 */
export interface Cluster {
	role: Role;
	redis?: { url: string; prefix: string };
	/** This process's name among the workers (WORKER_ID; default host-pid). */
	workerId: string;
	heartbeatMs: number;
	/** BullMQ lock on a run's job (RUN_LOCK_MS): a driver that dies hands its runs on after about twice this. */
	runLockMs: number;
}

export interface Config {
	port: number;
	host: string;
	/** Public origin (scheme://host[:port]); when unset the request's Host header is trusted. */
	origin?: string;
	database: Database;
	cluster: Cluster;
	dataDir: string;
	modelsDir: string;
	admin?: { email: string; password: string };
	sessionDays: number;
	/**
	 * Token buckets (size and refill per minute) on costly or spammable actions; a refusal names the variable.
	 * Keys: login per (account, client address) pair and per address; signup per address; the rest per user.
	 */
	rateLimits: {
		loginPerMinute: number;
		loginAddressPerMinute: number;
		signupPerMinute: number;
		roomCreatePerMinute: number;
		apiKeyCreatePerMinute: number;
		roomJoinPerMinute: number;
		runReplayPerMinute: number;
	};
	/** Limits on the collaborative prompt (server/yjs/limits.ts has the meaning of each). */
	yjs: {
		maxDocBytes: number;
		maxMessageBytes: number;
		maxAwarenessBytes: number;
		syncMessagesPerSecond: number;
		awarenessMessagesPerSecond: number;
	};
	/** Socket.IO: open connections per user (refused at the handshake) and the largest message (maxHttpBufferSize). */
	sockets: { maxConnectionsPerUser: number; maxBufferBytes: number };
	/** Largest `/v1` request body; larger ones get an OpenAI-shaped 413. */
	v1MaxBodyBytes: number;
	secureCookies: boolean;
	models: {
		/** Byte budgets; undefined means "derive from the machine" (see server/models/service.ts). */
		ramBudgetBytes?: number;
		vramBudgetBytes?: number;
		/** Idle time before a model unloads; 0 keeps models until evicted. */
		keepAliveMs: number;
		parallelism: number;
		maxQueue: number;
		/** Upper bound on a model's context window (its catalogue value is used when smaller). */
		maxContextSize: number;
		useMmap: boolean;
		/**
		 * `child`: llama.cpp opens each new model file (path, size, mtime) in a supervised child process before this
		 * process reads it, so a file that aborts llama.cpp is quarantined instead of taking the server down
		 * (server/models/load-check/). `off`: files go straight to llama.cpp here (inspection still runs).
		 */
		loadCheck: 'child' | 'off';
		/** Write the generated tiny models into models/generated when missing. */
		generate: boolean;
		/** Model that classifies prompts next to the heuristics (task analyzer). */
		classifier?: string;
		/** Model that titles and summarises runs when loaded (summarizer). */
		summarizer?: string;
	};
	/** Limits on unfinished runs (queued, running, waiting for approval). */
	runs: { maxActivePerUser: number; maxActivePerRoom: number };
	log: { level: string; pretty: boolean };
	/** Bearer token /metrics requires; open when unset. */
	metricsToken?: string;
	telemetryIntervalMs: number;
	production: boolean;
}

function parseDatabase(url: string | undefined, dataDir: string): Database {
	if (!url) return { kind: 'sqlite', file: path.join(dataDir, 'switchyard.db') };
	if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
	if (url.startsWith('sqlite:')) {
		const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
		if (!file) throw new ConfigError('DATABASE_URL: sqlite URL needs a file, e.g. sqlite:data/switchyard.db or sqlite::memory:');
		return { kind: 'sqlite', file };
	}
	throw new ConfigError(`DATABASE_URL: expected postgres://… or sqlite:<file>, got "${url.split(':')[0]}:…"`);
}

function parseCluster(e: z.infer<typeof envSchema>, database: Database): Cluster {
	const role = e.SWITCHYARD_ROLE;
	const workerId =
		e.WORKER_ID ??
		`${os
			.hostname()
			.replace(/[^A-Za-z0-9_.-]/g, '-')
			.slice(0, 40)}-${process.pid}`;
	if (!e.REDIS_URL) {
		if (role !== 'all') throw new ConfigError(`SWITCHYARD_ROLE=${role} needs REDIS_URL: web nodes and workers meet through Redis`);
		return { role, workerId, heartbeatMs: e.WORKER_HEARTBEAT_MS, runLockMs: e.RUN_LOCK_MS };
	}
	if (database.kind !== 'postgres') {
		throw new ConfigError('REDIS_URL needs DATABASE_URL=postgres://…: every node of a cluster shares one PostgreSQL database');
	}
	return {
		role,
		redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
		workerId,
		heartbeatMs: e.WORKER_HEARTBEAT_MS,
		runLockMs: e.RUN_LOCK_MS
	};
}

/** Parses the environment once at start-up; throws a ConfigError that names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
	// An empty variable (`ADMIN_EMAIL=` as compose files and process managers pass it) counts as unset.
	const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
		throw new ConfigError(`Invalid configuration — ${problems}`);
	}
	const e = parsed.data;
	if (Boolean(e.ADMIN_EMAIL) !== Boolean(e.ADMIN_PASSWORD)) {
		throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
	}
	for (const name of ['YJS_MAX_MESSAGE_BYTES', 'YJS_MAX_AWARENESS_BYTES'] as const) {
		// A Yjs message the socket buffer cannot hold would close the connection instead of getting a clear too_large.
		if (e[name] > e.SOCKET_MAX_BUFFER_BYTES) {
			throw new ConfigError(`${name} (${e[name]}) must not exceed SOCKET_MAX_BUFFER_BYTES (${e.SOCKET_MAX_BUFFER_BYTES})`);
		}
	}
	const database = parseDatabase(e.DATABASE_URL, e.DATA_DIR);
	const cluster = parseCluster(e, database);
	const production = e.NODE_ENV === 'production';
	return {
		port: e.PORT,
		host: e.HOST,
		origin: e.ORIGIN?.replace(/\/$/, ''),
		database,
		cluster,
		dataDir: e.DATA_DIR,
		modelsDir: e.MODELS_DIR,
		admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL.toLowerCase(), password: e.ADMIN_PASSWORD } : undefined,
		sessionDays: e.SESSION_DAYS,
		rateLimits: {
			loginPerMinute: e.LOGIN_RATE_PER_MINUTE,
			loginAddressPerMinute: e.LOGIN_ADDRESS_RATE_PER_MINUTE,
			signupPerMinute: e.SIGNUP_RATE_PER_MINUTE,
			roomCreatePerMinute: e.ROOM_CREATE_RATE_PER_MINUTE,
			apiKeyCreatePerMinute: e.API_KEY_CREATE_RATE_PER_MINUTE,
			roomJoinPerMinute: e.ROOM_JOIN_RATE_PER_MINUTE,
			runReplayPerMinute: e.RUN_REPLAY_RATE_PER_MINUTE
		},
		yjs: {
			maxDocBytes: e.YJS_MAX_DOC_BYTES,
			maxMessageBytes: e.YJS_MAX_MESSAGE_BYTES,
			maxAwarenessBytes: e.YJS_MAX_AWARENESS_BYTES,
			syncMessagesPerSecond: e.YJS_SYNC_MESSAGES_PER_SECOND,
			awarenessMessagesPerSecond: e.YJS_AWARENESS_MESSAGES_PER_SECOND
		},
		sockets: { maxConnectionsPerUser: e.SOCKET_MAX_CONNECTIONS_PER_USER, maxBufferBytes: e.SOCKET_MAX_BUFFER_BYTES },
		v1MaxBodyBytes: e.V1_MAX_BODY_BYTES,
		secureCookies: e.SECURE_COOKIES ?? e.ORIGIN?.startsWith('https://') ?? false,
		models: {
			ramBudgetBytes: e.MODEL_RAM_BUDGET_MB === undefined ? undefined : e.MODEL_RAM_BUDGET_MB * MB,
			vramBudgetBytes: e.MODEL_VRAM_BUDGET_MB === undefined ? undefined : e.MODEL_VRAM_BUDGET_MB * MB,
			keepAliveMs: e.MODEL_KEEP_ALIVE_S * 1000,
			parallelism: e.MODEL_PARALLELISM,
			maxQueue: e.MODEL_MAX_QUEUE,
			maxContextSize: e.MODEL_CONTEXT_SIZE,
			useMmap: e.MODEL_MMAP,
			loadCheck: e.MODEL_LOAD_CHECK,
			generate: e.GENERATE_MODELS,
			classifier: e.CLASSIFIER_MODEL,
			summarizer: e.SUMMARY_MODEL
		},
		runs: { maxActivePerUser: e.RUNS_MAX_ACTIVE_PER_USER, maxActivePerRoom: e.RUNS_MAX_ACTIVE_PER_ROOM },
		log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ?? !production },
		metricsToken: e.METRICS_TOKEN,
		telemetryIntervalMs: e.TELEMETRY_INTERVAL_MS,
		production
	};
}
