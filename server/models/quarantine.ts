// Models kept away from llama.cpp. A model is quarantined when llama.cpp refused its file, when the file failed
// inspection at load time, or when the server stopped while llama.cpp was loading it: llama.cpp aborts the whole
// process on some malformed files (GGML_ASSERT), and without a record the next start would load the same file again.
// A record holds until an admin clears it or the file changes (another size or mtime), and survives restarts.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { QuarantineCause } from '../../src/lib/contract/admin';
import type { Logger } from '../logger';
import type { LoadGuard } from './load-guard';
import type { FileStamp, LoadingRow, QuarantineRepository, QuarantineRow } from './quarantine.repository';

export const CRASH_REASON = 'the server stopped while loading this model (possible crash in llama.cpp)';

// One id per process, shared by every app context in it (dev mode may build more than one): a loading row written
// by this process belongs to a load that may still be running, not to a crash.
const BOOT_ID_KEY = Symbol.for('switchyard.boot-id');
export function processBootId(): string {
	const global = globalThis as Record<symbol, unknown>;
	global[BOOT_ID_KEY] ??= randomUUID();
	return global[BOOT_ID_KEY] as string;
}

/** Who writes a loading row: this process, where it runs. */
export interface LoadOwner {
	bootId: string;
	host: string;
	pid: number;
}

export const thisProcess = (): LoadOwner => ({ bootId: processBootId(), host: hostname(), pid: process.pid });

/**
 * Whether a loading row left by another process means that process died inside llama.cpp. Only a row written on
 * this host can be judged: its process is gone when its pid no longer runs, or when the pid is our own (a restarted
 * container numbers its processes again). A row from another host may be a load still running on another worker of
 * a cluster that shares the database: it is that host's to judge when its process starts again (and a file that
 * aborts llama.cpp is caught by the supervised load check wherever it is opened next).
 */
export function diedWhileLoading(row: Pick<LoadingRow, 'bootId' | 'host' | 'pid'>, me: LoadOwner = thisProcess()): boolean {
	if (row.bootId === me.bootId || row.host !== me.host) return false;
	return row.pid === me.pid || !processRuns(row.pid);
}

function processRuns(pid: number): boolean {
	try {
		process.kill(pid, 0); // signal 0: only asks whether the process exists
		return true;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, under another user
	}
}

const stampFrom = (path: string, s: { size: number; mtimeMs: number }): FileStamp => ({
	path,
	size: s.size,
	mtimeMs: Math.floor(s.mtimeMs)
});

function currentStamp(path: string): FileStamp | undefined {
	try {
		return stampFrom(path, statSync(path));
	} catch {
		return undefined;
	}
}

const sameFile = (a: FileStamp, b: FileStamp) => a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;

export interface QuarantineStoreOptions {
	logger: Logger;
	now?: () => number;
	/** The current process (tests pass another to play a previous process). */
	owner?: LoadOwner;
}

export class QuarantineStore {
	private readonly records = new Map<string, QuarantineRow>();
	/** Models llama.cpp is reading now (an estimate and a load may overlap): one loading row while any runs. */
	private readonly inFlight = new Map<string, { count: number; recorded: Promise<void> }>();
	// Writes reach the database in the order they were made (a pool could otherwise reorder a delete and an insert).
	private writes: Promise<unknown> = Promise.resolve();

	private constructor(
		private readonly repo: QuarantineRepository,
		private readonly logger: Logger,
		private readonly now: () => number,
		private readonly owner: LoadOwner
	) {}

	/** Loads the records and turns loads that a previous process never finished into crash quarantines. */
	static async open(repo: QuarantineRepository, options: QuarantineStoreOptions): Promise<QuarantineStore> {
		const store = new QuarantineStore(repo, options.logger, options.now ?? Date.now, options.owner ?? thisProcess());
		for (const row of await repo.quarantined()) store.records.set(row.modelId, row);
		for (const marker of await repo.loading()) {
			if (!diedWhileLoading(marker, store.owner)) continue;
			const row: QuarantineRow = { modelId: marker.modelId, file: marker.file, cause: 'crashed', reason: CRASH_REASON, since: store.now() };
			await repo.putQuarantine(row);
			await repo.removeLoading(marker.modelId, marker.bootId);
			store.records.set(row.modelId, row);
			options.logger.warn(
				{ modelId: marker.modelId, file: marker.file.path, startedAt: marker.startedAt },
				'model quarantined: the previous process stopped while loading it'
			);
		}
		return store;
	}

	/** The model's quarantine if it still applies to the file at `path`; a record for a changed file is dropped. */
	get(modelId: string, path: string): QuarantineRow | undefined {
		const row = this.records.get(modelId);
		if (!row) return undefined;
		const stamp = currentStamp(path);
		if (stamp && sameFile(stamp, row.file)) return row;
		if (!stamp && row.file.path === path) return row; // the file is gone: nothing to load anyway, keep the reason
		this.records.delete(modelId);
		this.logger.info({ modelId, file: path }, 'model quarantine lifted: the file changed');
		void this.write(() => this.repo.removeQuarantine(modelId)).catch((err) =>
			this.logger.error({ err, modelId }, 'could not delete a lifted model quarantine')
		);
		return undefined;
	}

	/** Quarantines the model's current file. Never rejects: a failed write is logged. */
	async add(modelId: string, path: string, cause: QuarantineCause, reason: string): Promise<QuarantineRow> {
		const file = await stat(path).then(
			(s) => stampFrom(path, s),
			() => ({ path, size: -1, mtimeMs: -1 })
		);
		const row: QuarantineRow = { modelId, file, cause, reason, since: this.now() };
		this.records.set(modelId, row);
		this.logger.warn({ modelId, file: path, cause, reason }, 'model quarantined');
		await this.write(() => this.repo.putQuarantine(row)).catch((err) =>
			this.logger.error({ err, modelId }, 'could not store a model quarantine: it holds until this process stops')
		);
		return row;
	}

	/** Lifts the quarantine; false when there was none. */
	async clear(modelId: string): Promise<boolean> {
		const had = this.records.delete(modelId);
		await this.write(() => this.repo.removeQuarantine(modelId));
		return had;
	}

	/**
	 * Records, durably, that llama.cpp is about to read the model; resolves once the row is committed. Rejects when
	 * that cannot be stored. Every begin() is paired with one end().
	 */
	async begin(modelId: string, path: string): Promise<void> {
		let flight = this.inFlight.get(modelId);
		if (!flight) {
			const recorded = stat(path).then((s) =>
				this.write(() => this.repo.putLoading({ modelId, file: stampFrom(path, s), ...this.owner, startedAt: this.now() }))
			);
			flight = { count: 0, recorded };
			this.inFlight.set(modelId, flight);
		}
		flight.count++;
		try {
			await flight.recorded;
		} catch (err) {
			// Not recorded: the caller does not go ahead (and calls no end()), and the next attempt writes afresh.
			if (--flight.count === 0 && this.inFlight.get(modelId) === flight) this.inFlight.delete(modelId);
			throw err;
		}
	}

	/** llama.cpp is done with the model. Never rejects: a row left behind would wrongly quarantine it at the next start. */
	async end(modelId: string): Promise<void> {
		const flight = this.inFlight.get(modelId);
		if (!flight || --flight.count > 0) return;
		this.inFlight.delete(modelId);
		await this.write(() => this.repo.removeLoading(modelId, this.owner.bootId)).catch((err) =>
			this.logger.error({ err, modelId }, 'could not delete a model load record: the model will be quarantined at the next start')
		);
	}

	private write<T>(work: () => Promise<T>): Promise<T> {
		const run = this.writes.then(work, work);
		this.writes = run.catch(() => {});
		return run;
	}
}

/**
 * The ModelManager's guard over a store: `blocked` says why a model must not load (ModelService adds files that
 * failed inspection at discovery); llama.cpp's work is recorded around it; a failure quarantines the file.
 */
export function quarantineGuard(
	store: QuarantineStore,
	blocked: (modelId: string) => string | undefined,
	vet?: LoadGuard['vet']
): LoadGuard {
	return {
		blocked,
		vet,
		begin: (spec) => store.begin(spec.id, spec.path),
		end: (spec) => store.end(spec.id),
		failed: async (spec, error) => {
			await store.add(spec.id, spec.path, error.code === 'invalid_file' ? 'invalid_file' : 'load_failed', error.message);
		}
	};
}
