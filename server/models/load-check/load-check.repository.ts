// Model files that passed the supervised check (table model_load_checks, migration 0008): one row per path, valid
// while the file keeps its size and mtime and the same engine opens it.
import type { Db } from '../../storage/db';
import type { FileStamp } from '../quarantine.repository';

export interface PassedCheck {
	file: FileStamp;
	/** node-llama-cpp's llama.cpp release and backend (e.g. "b6900 cpu"). */
	engine: string;
	passedAt: number;
	tookMs: number;
}

export interface LoadCheckRepository {
	/** The pass recorded for exactly this file and engine, if any. */
	passed(file: FileStamp, engine: string): Promise<PassedCheck | undefined>;
	/** Records a pass, replacing the path's earlier one. */
	putPassed(pass: PassedCheck): Promise<void>;
}

export function createLoadCheckRepository(db: Db): LoadCheckRepository {
	return {
		async passed(file, engine) {
			const row = await db
				.selectFrom('model_load_checks')
				.selectAll()
				.where('file_path', '=', file.path)
				.where('file_size', '=', file.size)
				.where('file_mtime_ms', '=', file.mtimeMs)
				.where('engine', '=', engine)
				.executeTakeFirst();
			return row && { file, engine, passedAt: Number(row.passed_at), tookMs: Number(row.took_ms) };
		},
		async putPassed(pass) {
			const values = {
				file_size: pass.file.size,
				file_mtime_ms: pass.file.mtimeMs,
				engine: pass.engine,
				passed_at: pass.passedAt,
				took_ms: Math.round(pass.tookMs)
			};
			await db
				.insertInto('model_load_checks')
				.values({ file_path: pass.file.path, ...values })
				.onConflict((oc) => oc.column('file_path').doUpdateSet(values))
				.execute();
		}
	};
}

/** For a ModelService without a database (tools, some tests): passes last as long as the process. */
export function memoryLoadCheckRepository(): LoadCheckRepository {
	const rows = new Map<string, PassedCheck>();
	return {
		async passed(file, engine) {
			const row = rows.get(file.path);
			return row && row.engine === engine && row.file.size === file.size && row.file.mtimeMs === file.mtimeMs ? row : undefined;
		},
		putPassed: async (pass) => void rows.set(pass.file.path, pass)
	};
}
