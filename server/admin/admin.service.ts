import { EventEmitter } from 'node:events';
import type { AdminModel, AdminOverview, AdminPreview, AdminUser, ModelBytes, PullState, Role } from '../../src/lib/contract/admin';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { loadCatalog } from '../models/catalog';
import { pullModel } from '../models/pull';
import type { ModelService } from '../models/service';
import type { Db } from '../storage/db';
import { modelFailure } from './errors';
import { cacheStats, joinModels } from './overview';
import { toAdminPreview } from './preview-text';
import { downloadOrigin, probeEndpoint, PullTracker, type PullTrackerOptions } from './pulls';
import { planUriPull } from './uri-pull';
import { createAdminUsers } from './users';

export interface AdminServiceDeps {
	models: ModelService;
	db: Db;
	config: Pick<Config, 'modelsDir' | 'models'>;
	logger: Logger;
	pulls?: PullTrackerOptions & { probeTimeoutMs?: number };
}

/**
 * The admin console's rules: the model cache (status, preload/unload, pins, keep-alive, budget, eviction preview),
 * background pulls of catalogue models, and user roles. REST routes only translate; the caller is already an admin.
 */
/** What the console announces; admin.realtime.ts relays it to sockets. */
export interface AdminEvents {
	pull: [PullState];
	'role-changed': [{ userId: string; role: Role }];
}

export function createAdminService(deps: AdminServiceDeps) {
	const { models, logger } = deps;
	const manager = models.manager;
	const users = createAdminUsers(deps.db);
	const pulls = new PullTracker(deps.pulls);
	const events = new EventEmitter<AdminEvents>();
	pulls.on('update', (s) => {
		events.emit('pull', s);
		if (s.status === 'failed') logger.warn({ modelId: s.modelId, error: s.error }, 'model pull failed');
		else if (s.status === 'done') logger.info({ modelId: s.modelId }, 'model pull finished');
	});
	// Pins and keep-alive set here, so models that are not loaded still show them (the manager applies them on load).
	const pinned = new Set<string>();
	const keepAlive = new Map<string, number | null>();
	const defaultKeepAliveMs = deps.config.models.keepAliveMs > 0 ? deps.config.models.keepAliveMs : null;

	const known = (id: string) => models.list().some((m) => m.id === id) || manager.status().some((s) => s.id === id);
	const unknown = (id: string) => fail('not_found', `No model "${id}" in the catalogue or the models folder`);

	async function downloadSizes(): Promise<Map<string, number>> {
		const catalog = await loadCatalog(deps.config.modelsDir).catch(() => []);
		return new Map(catalog.flatMap((e) => (e.downloadSizeBytes ? [[e.id, e.downloadSizeBytes] as const] : [])));
	}

	async function rows(): Promise<AdminModel[]> {
		return joinModels(models.list(), manager.status(), {
			pinned,
			keepAliveMs: keepAlive,
			defaultKeepAliveMs,
			downloadSizes: await downloadSizes()
		});
	}

	async function model(id: string): Promise<AdminModel> {
		const found = (await rows()).find((m) => m.id === id);
		if (!found) throw new Error(`model ${id} vanished from the list`);
		return found;
	}

	async function runPull(modelId: string, task: { signal: AbortSignal; progress: Parameters<typeof pullModel>[1]['onProgress'] }) {
		const catalog = await loadCatalog(deps.config.modelsDir);
		const entry = catalog.find((e) => e.id === modelId);
		if (!entry) throw new Error(`${modelId} is no longer in the catalogue`);
		// Fail fast on an unreachable server: the downloader itself retries for minutes.
		const origin = downloadOrigin(entry.remoteUri);
		if (origin) await probeEndpoint(origin, deps.pulls?.probeTimeoutMs);
		await pullModel(modelId, { modelsDir: deps.config.modelsDir, catalog, signal: task.signal, onProgress: task.progress });
		await models.refresh();
	}

	return {
		events,
		async overview(): Promise<AdminOverview> {
			return {
				models: await rows(),
				budget: manager.getBudget(),
				used: manager.used(),
				stats: cacheStats(manager.stats),
				defaultKeepAliveMs,
				pulls: pulls.list()
			};
		},

		/** Loads a model now (evicting idle ones to fit, as a run would). */
		async preload(id: string): Promise<Result<AdminModel>> {
			if (!known(id)) return unknown(id);
			try {
				await manager.preload(id);
			} catch (err) {
				return modelFailure(err);
			}
			return ok(await model(id));
		},

		/** Unloads a model now; `conflict` while runs hold it. */
		async unload(id: string): Promise<Result<{ modelId: string; unloaded: true }>> {
			if (!manager.status().some((s) => s.id === id)) return known(id) ? fail('not_found', `${id} is not loaded`) : unknown(id);
			try {
				await manager.unload(id);
			} catch (err) {
				return modelFailure(err);
			}
			return ok({ modelId: id, unloaded: true });
		},

		async pin(id: string): Promise<Result<AdminModel>> {
			if (!known(id)) return unknown(id);
			manager.pin(id);
			pinned.add(id);
			return ok(await model(id));
		},

		async unpin(id: string): Promise<Result<AdminModel>> {
			if (!known(id)) return unknown(id);
			manager.unpin(id);
			pinned.delete(id);
			return ok(await model(id));
		},

		/** Idle seconds before the model unloads; null keeps it until evicted. */
		async setKeepAlive(id: string, seconds: number | null): Promise<Result<AdminModel>> {
			if (!known(id)) return unknown(id);
			const ms = seconds === null ? null : seconds * 1000;
			manager.setKeepAlive(id, ms);
			keepAlive.set(id, ms);
			return ok(await model(id));
		},

		/** What loading the model would do now, with a sentence saying so. */
		async preview(id: string): Promise<Result<AdminPreview>> {
			if (!known(id)) return unknown(id);
			try {
				return ok(toAdminPreview(await manager.preview(id)));
			} catch (err) {
				return modelFailure(err);
			}
		},

		/** Evicts idle models to fit the new budget; `conflict` naming the models in the way when busy or pinned ones exceed it. */
		async setBudget(budget: ModelBytes): Promise<Result<{ budget: ModelBytes; used: ModelBytes }>> {
			try {
				await manager.setBudget(budget);
			} catch (err) {
				return modelFailure(err);
			}
			logger.info({ budget }, 'model budget changed by an admin');
			return ok({ budget: manager.getBudget(), used: manager.used() });
		},

		/**
		 * Lifts a model's quarantine and re-reads the models folder, so the next run may load it again. `not_found` when
		 * it is not quarantined; `conflict` while its file still fails inspection (replace or pull the file first).
		 */
		async clearQuarantine(id: string): Promise<Result<AdminModel>> {
			if (!known(id)) return unknown(id);
			const current = models.quarantined(id);
			if (!current) return fail('not_found', `${id} is not quarantined`);
			const still = await models.clearQuarantine(id);
			if (still) return fail('conflict', `${id} stays quarantined: its file still fails inspection (${still.reason})`);
			logger.info({ modelId: id, cause: current.cause, reason: current.reason }, 'model quarantine cleared by an admin');
			return ok(await model(id));
		},

		/** Starts pulling a catalogue model in the background; progress and the outcome arrive as `cache:pull`. */
		startPull(id: string): Result<PullState> {
			if (!models.list().some((m) => m.id === id && m.origin === 'catalog')) return fail('not_found', `No model "${id}" in the catalogue`);
			const started = pulls.start(id, (task) => runPull(id, task));
			if (started.ok) logger.info({ modelId: id }, 'model pull started by an admin');
			return started;
		},

		/**
		 * Starts pulling a file outside the catalogue (hf: URI or https URL, validated by the route's schema); once it
		 * is down and passed inspection, the models folder is re-read and every room's model list has it.
		 */
		startPullUri(uri: string): Result<PullState> {
			const plan = planUriPull(uri, deps.config.modelsDir, new Set(models.list().map((m) => m.id)));
			if (!plan.ok) return plan;
			const { modelId, fileName, dirPath } = plan.data;
			const started = pulls.start(modelId, async (task) => {
				const origin = downloadOrigin(uri);
				if (origin) await probeEndpoint(origin, deps.pulls?.probeTimeoutMs);
				await pullModel(uri, { modelsDir: deps.config.modelsDir, dirPath, fileName, signal: task.signal, onProgress: task.progress });
				await models.refresh();
			});
			if (started.ok) logger.info({ modelId, uri }, 'model pull of a URI started by an admin');
			return started;
		},

		pulls(): PullState[] {
			return pulls.list();
		},

		listUsers(): Promise<AdminUser[]> {
			return users.list();
		},

		/** Changes a role; the last admin cannot be demoted. The user's open sockets follow at once. */
		async setRole(id: string, role: Role): Promise<Result<AdminUser>> {
			const result = await users.setRole(id, role);
			if (result.ok) {
				events.emit('role-changed', { userId: id, role });
				logger.info({ userId: id, role }, 'role changed by an admin');
			}
			return result;
		},

		close(): void {
			pulls.close();
			events.removeAllListeners();
		}
	};
}

export type AdminService = ReturnType<typeof createAdminService>;
