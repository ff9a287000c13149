// Storage of quarantined models and in-flight loads (tables model_quarantine and model_loading, migration 0006).
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
	/** The process that started the load. */
	bootId: string;
	startedAt: number;
}

export interface QuarantineRepository {
	quarantined(): Promise<QuarantineRow[]>;
	/** Inserts or replaces the model's record. */
	putQuarantine(row: QuarantineRow): Promise<void>;
	removeQuarantine(modelId: string): Promise<void>;
	loading(): Promise<LoadingRow[]>;
	/** Inserts or replaces; resolves once the row is committed (before llama.cpp is called). */
	putLoading(row: LoadingRow): Promise<void>;
	removeLoading(modelId: string): Promise<void>;
}

const stampColumns = (file: FileStamp) => ({ file_path: file.path, file_size: file.size, file_mtime_ms: file.mtimeMs });
const stampOf = (row: { file_path: string; file_size: number; file_mtime_ms: number }): FileStamp => ({ path: row.file_path, size: Number(row.file_size), mtimeMs: Number(row.file_mtime_ms) });

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
			return rows.map((r) => ({ modelId: r.model_id, bootId: r.boot_id, startedAt: Number(r.started_at), file: stampOf(r) }));
		},
		async putLoading(row) {
			const values = { ...stampColumns(row.file), boot_id: row.bootId, started_at: row.startedAt };
			await db
				.insertInto('model_loading')
				.values({ model_id: row.modelId, ...values })
				.onConflict((oc) => oc.column('model_id').doUpdateSet(values))
				.execute();
		},
		async removeLoading(modelId) {
			await db.deleteFrom('model_loading').where('model_id', '=', modelId).execute();
		}
	};
}

/** Keeps records in memory only: for a ModelService without a database (tools, some tests). Nothing survives a restart. */
export function memoryQuarantineRepository(): QuarantineRepository {
	const quarantine = new Map<string, QuarantineRow>();
	const loading = new Map<string, LoadingRow>();
	return {
		quarantined: async () => [...quarantine.values()],
		putQuarantine: async (row) => void quarantine.set(row.modelId, row),
		removeQuarantine: async (id) => void quarantine.delete(id),
		loading: async () => [...loading.values()],
		putLoading: async (row) => void loading.set(row.modelId, row),
		removeLoading: async (id) => void loading.delete(id)
	};
}
