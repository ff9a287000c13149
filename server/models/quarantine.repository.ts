// Storage of quarantined models and in-flight loads (tables model_quarantine and model_loading, migrations 0007 and 0009).
import type { QuarantineInfo } from '../../src/lib/contract/admin';
import type { Db } from '../storage/db';

/** Which file a record is about: it no longer applies once the file at `path` has another size or mtime. */
export interface FileStamp {
	path: string;
	size: number;
	/** Whole milliseconds (stat's mtimeMs has a fraction that not every column keeps). */
	mtimeMs: number;
}

export interface QuarantineRow extends QuarantineInfo {
	modelId: string;
	file: FileStamp;
}

export interface LoadingRow {
	modelId: string;
	file: FileStamp;
	/** The process that started the load, and where it ran (see loadOwner in quarantine.ts). */
	bootId: string;
	host: string;
	pid: number;
	startedAt: number;
}

export interface QuarantineRepository {
	quarantined(): Promise<QuarantineRow[]>;
	/** Inserts or replaces the model's record. */
	putQuarantine(row: QuarantineRow): Promise<void>;
	removeQuarantine(modelId: string): Promise<void>;
	loading(): Promise<LoadingRow[]>;
	/** Inserts or replaces this process's row for the model; resolves once it is committed (before llama.cpp runs). */
	putLoading(row: LoadingRow): Promise<void>;
	removeLoading(modelId: string, bootId: string): Promise<void>;
}

const stampColumns = (file: FileStamp) => ({ file_path: file.path, file_size: file.size, file_mtime_ms: file.mtimeMs });
const stampOf = (row: { file_path: string; file_size: number; file_mtime_ms: number }): FileStamp => ({
	path: row.file_path,
	size: Number(row.file_size),
	mtimeMs: Number(row.file_mtime_ms)
});

export function createQuarantineRepository(db: Db): QuarantineRepository {
	return {
		async quarantined() {
			const rows = await db.selectFrom('model_quarantine').selectAll().orderBy('model_id').execute();
			return rows.map((r) => ({ modelId: r.model_id, cause: r.cause, reason: r.reason, since: Number(r.since), file: stampOf(r) }));
		},
		async putQuarantine(row) {
			const values = { ...stampColumns(row.file), cause: row.cause, reason: row.reason, since: row.since };
			await db
				.insertInto('model_quarantine')
				.values({ model_id: row.modelId, ...values })
				.onConflict((oc) => oc.column('model_id').doUpdateSet(values))
				.execute();
		},
		async removeQuarantine(modelId) {
			await db.deleteFrom('model_quarantine').where('model_id', '=', modelId).execute();
		},
		async loading() {
			const rows = await db.selectFrom('model_loading').selectAll().orderBy('model_id').execute();
			return rows.map((r) => ({
				modelId: r.model_id,
				bootId: r.boot_id,
				host: r.host,
				pid: Number(r.pid),
				startedAt: Number(r.started_at),
				file: stampOf(r)
			}));
		},
		async putLoading(row) {
			const values = { ...stampColumns(row.file), host: row.host, pid: row.pid, started_at: row.startedAt };
			await db
				.insertInto('model_loading')
				.values({ model_id: row.modelId, boot_id: row.bootId, ...values })
				.onConflict((oc) => oc.columns(['model_id', 'boot_id']).doUpdateSet(values))
				.execute();
		},
		async removeLoading(modelId, bootId) {
			await db.deleteFrom('model_loading').where('model_id', '=', modelId).where('boot_id', '=', bootId).execute();
		}
	};
}

/** Keeps records in memory only: for a ModelService without a database (tools, some tests). Nothing survives a restart. */
export function memoryQuarantineRepository(): QuarantineRepository {
	const quarantine = new Map<string, QuarantineRow>();
	const loading = new Map<string, LoadingRow>();
	const key = (modelId: string, bootId: string) => `${modelId}\0${bootId}`;
	return {
		quarantined: async () => [...quarantine.values()],
		putQuarantine: async (row) => void quarantine.set(row.modelId, row),
		removeQuarantine: async (id) => void quarantine.delete(id),
		loading: async () => [...loading.values()],
		putLoading: async (row) => void loading.set(key(row.modelId, row.bootId), row),
		removeLoading: async (id, bootId) => void loading.delete(key(id, bootId))
	};
}
