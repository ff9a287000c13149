import { createAdminWorkers, type AdminWorkers } from './admin/admin-workers';
import { createAdminService, type AdminService } from './admin/admin.service';
import { createAuthService, type AuthService } from './auth/auth.service';
import { createCredentialsRepository } from './auth/credentials.repository';
import { createUsersRepository } from './auth/users.repository';
import { authenticate } from './auth/authenticate';
import { joinCluster, type ClusterParts } from './cluster/cluster';
import { createRedisHub, type RedisHub } from './cluster/redis';
import { createWebTier, type WebTier } from './cluster/web-tier';
import type { Config } from './config';
import type { Logger } from './logger';
import { createLoadCheckRepository } from './models/load-check/load-check.repository';
import { createQuarantineRepository } from './models/quarantine.repository';
import { ModelService } from './models/service';
import { MemoryRunBus, type RunBus } from './orchestrator/bus';
import { createCheckpointer } from './orchestrator/checkpointer';
import * as runExport from './orchestrator/run-export';
import { Orchestrator } from './orchestrator/runner';
import { createRunsRepository, type RunsRepository } from './orchestrator/runs.repository';
import { createRunsService, type RunsService } from './runs/runs.service';
import type { Realtime } from './hub/socket-hub';
import { createActivityLog, type ActivityLog } from './rooms/activity';
import { createRoomsRepository } from './rooms/rooms.repository';
import { createRoomsService, type RoomsService } from './rooms/rooms.service';
import { createRateLimits, type RateLimits } from './rate-limits';
import { readinessChecks, type ReadinessCheck } from './readiness';
import { migrateToLatest, openDatabase, type Db } from './storage/db';
import { createObservability, type Observability } from './telemetry/observability';
import { createYjsDocStore, type YjsDocStore, type YjsDocStoreOptions } from './yjs/doc-store';
import { createKyselyYjsPersistence } from './yjs/persistence';

/** Every service of one process, built once by the entry (server/index.ts or the Vite plugin) and injected. */
export interface AppContext {
	config: Config;
	logger: Logger;
	db: Db;
	/** The cluster's Redis connections; undefined in a single process (no REDIS_URL), where every seam is in memory. */
	redis?: RedisHub;
	/** This process's part in the cluster (run bus, scheduler, workers, admin commands); undefined in a single process. */
	cluster?: ClusterParts;
	/** The web tier's seams across nodes (Socket.IO adapter, socket counts, Yjs relay); in memory without Redis. */
	webTier: WebTier;
	auth: AuthService;
	rooms: RoomsService;
	/** Per-address and per-user limits (SIGNUP_RATE_PER_MINUTE, ROOM_CREATE_RATE_PER_MINUTE, …), in Redis in a cluster: routes and services take from them. */
	limits: RateLimits;
	/** Who steered which run: the rooms' activity feeds. */
	activity: ActivityLog;
	models: ModelService;
	/** The admin console: model cache controls, background pulls, roles; `cache:*` events to admins (server/admin). */
	admin: AdminService;
	/** The inference workers as the admin console sees them (this process alone without a cluster), and commands to them. */
	adminWorkers: AdminWorkers;
	runs: RunsRepository;
	/** Every run rule (who may steer, room policy, limits, activity): the one way in for sockets, REST and /v1. */
	runsService: RunsService;
	/** Run events as they happen; the realtime layer and SSE streams subscribe. */
	bus: RunBus;
	orchestrator: Orchestrator;
	/** Run → JSON / Markdown (pure functions, reached through the context so routes import nothing from server/). */
	runExport: typeof runExport;
	/** Metrics and the telemetry sampler (the entry starts the sampler; tests may not). */
	observability: Observability;
	readiness(): Promise<ReadinessCheck[]>;
	/** Each room's collaborative prompt (Y.Doc), loaded on use and persisted to yjs_updates. */
	yjs: YjsDocStore;
	startedAt: number;
	/** Set by the entry once Socket.IO is attached. */
	realtime?: Realtime;
	/** Who is asking: an API key (Bearer or socket auth.token) or the session cookie. */
	authenticate(credentials: Parameters<typeof authenticate>[1]): ReturnType<typeof authenticate>;
	close(): Promise<void>;
}

export async function createAppContext(config: Config, logger: Logger, options: { yjs?: YjsDocStoreOptions } = {}): Promise<AppContext> {
	const db = openDatabase(config.database);
	try {
		await migrateToLatest(db);
	} catch (err) {
		await db.destroy();
		const where = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `SQLite file ${config.database.file}`;
		throw new Error(`Cannot open the database at ${where}: ${err instanceof Error ? err.message : String(err)}`);
	}
	const redis = config.cluster.redis ? await createRedisHub(config.cluster.redis, logger.child({ component: 'redis' })) : undefined;
	const webTier = await createWebTier(redis, { sockets: config.cluster.role !== 'worker', log: logger.child({ component: 'web-tier' }) });
	const users = createUsersRepository(db);
	const limits = createRateLimits(config.rateLimits, redis);
	const auth = createAuthService({
		users,
		credentials: createCredentialsRepository(db),
		loginLimits: limits,
		sessionDays: config.sessionDays
	});
	const rooms = createRoomsService({ rooms: createRoomsRepository(db), users, limits });
	const yjs = createYjsDocStore(createKyselyYjsPersistence(db), logger.child({ component: 'yjs' }), options.yjs, webTier.yjsRelay);
	const models = await ModelService.create(config, logger.child({ component: 'models' }), {
		quarantine: createQuarantineRepository(db),
		loadChecks: createLoadCheckRepository(db)
	});
	const runs = createRunsRepository(db);
	const cluster = redis ? await joinCluster(config, redis, runs, logger) : undefined;
	const bus: RunBus = cluster?.bus ?? new MemoryRunBus();
	const checkpointer = await createCheckpointer(config.database);
	const orchestrator = new Orchestrator({
		runs,
		bus,
		models,
		checkpointer: checkpointer.saver,
		scheduler: cluster?.scheduler,
		nodeDeps: cluster?.nodeDeps,
		logger: logger.child({ component: 'orchestrator' }),
		classifierModelId: config.models.classifier,
		summaryModelId: config.models.summarizer
	});
	const observability = createObservability({
		models,
		bus,
		logger: logger.child({ component: 'telemetry' }),
		intervalMs: config.telemetryIntervalMs,
		activeRuns: () => orchestrator.activeCount(),
		realtimeCounts: () => ctx.realtime?.counts() ?? { sockets: 0, rooms: 0 }
	});

	const activity = createActivityLog(db);
	const runsService = createRunsService({
		orchestrator,
		runs,
		rooms,
		activity,
		drafts: yjs,
		async modelProblem(modelId) {
			const quarantine = models.quarantined(modelId);
			if (quarantine)
				return {
					code: 'conflict',
					message: `Model ${modelId} is quarantined: ${quarantine.reason}. An admin can clear it on the admin page`
				};
			if (models.spec(modelId)) return undefined;
			// A web node may not have the files: in a cluster, what counts is whether a worker serves the model.
			if (cluster) return cluster.modelProblem(modelId);
			return { code: 'not_found', message: `The model ${modelId} does not exist or is not downloaded` };
		},
		limits: config.runs,
		replayLimit: limits.runReplay
	});
	// One process continues what it left unfinished; in a cluster, BullMQ hands a dead driver's runs to another.
	if (!cluster) await runsService.recoverInterrupted();
	const admin = createAdminService({ models, db, config, logger: logger.child({ component: 'admin' }) });
	if (cluster && config.cluster.role !== 'web') await cluster.serveInference(models, admin);

	if (config.admin) {
		const { created } = await auth.seedAdmin(config.admin.email, config.admin.password);
		logger.info(
			{ email: config.admin.email },
			created ? 'seeded admin account from ADMIN_EMAIL' : 'admin account from ADMIN_EMAIL is up to date'
		);
	}

	const ctx: AppContext = {
		config,
		logger,
		db,
		redis,
		cluster,
		webTier,
		auth,
		rooms,
		limits,
		activity,
		models,
		admin,
		adminWorkers: createAdminWorkers({ admin, models, workerId: config.cluster.workerId, cluster }),
		runs,
		runsService,
		bus,
		orchestrator,
		runExport,
		observability,
		readiness: readinessChecks({ db, modelsDir: config.modelsDir, redis }),
		yjs,
		startedAt: Date.now(),
		authenticate: (credentials) => authenticate(auth, credentials),
		async close() {
			await ctx.realtime?.close();
			await observability.close();
			await orchestrator.close();
			await cluster?.close();
			await checkpointer.close();
			ctx.admin.close();
			await models.close();
			await yjs.close(); // stores pending prompt edits before the database goes
			await webTier.close();
			await redis?.close();
			await db.destroy();
		}
	};
	return ctx;
}
