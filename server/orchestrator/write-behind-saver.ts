// LangGraph saves a checkpoint after every superstep and each task's writes as it ends. SqliteSaver does both on the
// event loop (better-sqlite3 is synchronous; a file database fsyncs each transaction), so every step of a run paid
// for its own durability before the next could start. This saver keeps those saves in order in memory and writes
// them in one transaction shortly after, when the loop is free (a run spends its time in the model call).
//
// Crash safety: what reaches the database is always a prefix of the saves in the order LangGraph made them, so after
// a crash the run continues from a checkpoint it really passed through (at worst one a few milliseconds older: the
// nodes after it run again, as after any crash). Every read first writes what is waiting, so reads see every save.
// Values are serialised when written: LangGraph's state values are never changed in place (nodes return new objects).
import type { RunnableConfig } from '@langchain/core/runnables';
import {
	WRITES_IDX_MAP,
	type Checkpoint,
	type CheckpointListOptions,
	type CheckpointMetadata,
	type CheckpointTuple,
	type PendingWrite
} from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type Database from 'better-sqlite3';

/** How long saves may wait before they are written (a crash loses at most this much progress). */
export const WRITE_BEHIND_MS = 20;

type Save = { kind: 'checkpoint'; config: RunnableConfig; checkpoint: Checkpoint; metadata: CheckpointMetadata } | WritesSave;
type WritesSave = { kind: 'writes'; config: RunnableConfig; writes: PendingWrite[]; taskId: string };
type Row = { sql: string; values: unknown[] };

export class WriteBehindSqliteSaver extends SqliteSaver {
	private pending: Save[] = [];
	private timer?: NodeJS.Timeout;
	private writing: Promise<void> = Promise.resolve();
	private readonly statements = new Map<string, Database.Statement>();

	constructor(
		db: Database.Database,
		private readonly delayMs = WRITE_BEHIND_MS
	) {
		super(db);
	}

	static open(file: string, delayMs?: number): WriteBehindSqliteSaver {
		const saver = SqliteSaver.fromConnString(file);
		// WAL with synchronous=NORMAL: a commit survives the process dying (SIGKILL) without an fsync per commit.
		if (file !== ':memory:') {
			saver.db.pragma('journal_mode = WAL');
			saver.db.pragma('synchronous = NORMAL');
		}
		return new WriteBehindSqliteSaver(saver.db, delayMs);
	}

	override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
		const { thread_id, checkpoint_ns = '' } = config.configurable ?? {};
		if (!thread_id) throw new Error('Missing "thread_id" field in passed "config.configurable".');
		this.enqueue({ kind: 'checkpoint', config, checkpoint, metadata });
		return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
	}

	override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
		if (!config.configurable?.thread_id) throw new Error('Missing thread_id field in config.configurable.');
		if (!config.configurable?.checkpoint_id) throw new Error('Missing checkpoint_id field in config.configurable.');
		this.enqueue({ kind: 'writes', config, writes, taskId });
	}

	override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
		await this.flush();
		return super.getTuple(config);
	}

	override async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
		await this.flush();
		yield* super.list(config, options);
	}

	override async deleteThread(threadId: string): Promise<void> {
		await this.flush();
		return super.deleteThread(threadId);
	}

	/**
	 * Writes every waiting save now, in order, in one transaction; resolves once they are stored. When the write
	 * fails the saves wait again (ahead of newer ones) and the error goes to the caller: the next read retries them.
	 */
	flush(): Promise<void> {
		clearTimeout(this.timer);
		this.timer = undefined;
		const batch = this.pending;
		this.pending = [];
		const attempt = this.writing.then(async () => {
			if (batch.length === 0) return;
			try {
				await this.store(batch);
			} catch (err) {
				this.pending = [...batch, ...this.pending];
				throw err;
			}
		});
		this.writing = attempt.catch(() => {});
		return attempt;
	}

	/** Saves not yet written (tests). */
	get waiting(): number {
		return this.pending.length;
	}

	async close(): Promise<void> {
		await this.flush();
		this.db.close();
	}

	private enqueue(save: Save): void {
		this.pending.push(save);
		// A failure here leaves the saves waiting; the next read (the run's end reads its state) retries and reports it.
		this.timer ??= setTimeout(() => void this.flush().catch(() => {}), this.delayMs);
	}

	private async store(batch: Save[]): Promise<void> {
		this.setup();
		const rows = (
			await Promise.all(batch.map((save) => (save.kind === 'checkpoint' ? this.checkpointRow(save) : this.writeRows(save))))
		).flat();
		this.db.transaction(() => {
			for (const row of rows) this.statement(row.sql).run(...row.values);
		})();
	}

	private statement(sql: string): Database.Statement {
		let statement = this.statements.get(sql);
		if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
		return statement;
	}

	// The two row builders follow SqliteSaver.put and putWrites (@langchain/langgraph-checkpoint-sqlite 1.0).
	private async checkpointRow(save: Extract<Save, { kind: 'checkpoint' }>): Promise<Row> {
		const { config, checkpoint, metadata } = save;
		const [[type, serialized], [metadataType, serializedMetadata]] = await Promise.all([
			this.serde.dumpsTyped(checkpoint),
			this.serde.dumpsTyped(metadata)
		]);
		if (type !== metadataType) throw new Error('Failed to serialized checkpoint and metadata to the same type.');
		const c = config.configurable!;
		return {
			sql: 'INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
			values: [c.thread_id, c.checkpoint_ns ?? '', checkpoint.id, c.checkpoint_id, type, serialized, serializedMetadata]
		};
	}

	private async writeRows({ config, writes, taskId }: WritesSave): Promise<Row[]> {
		const allSpecial = writes.every(([channel]) => channel in WRITES_IDX_MAP);
		const sql = `INSERT ${allSpecial ? 'OR REPLACE' : 'OR IGNORE'} INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
		const c = config.configurable!;
		return Promise.all(
			writes.map(async ([channel, value], idx) => {
				const [type, serialized] = await this.serde.dumpsTyped(value);
				return {
					sql,
					values: [c.thread_id, c.checkpoint_ns ?? '', c.checkpoint_id, taskId, WRITES_IDX_MAP[channel] ?? idx, channel, type, serialized]
				};
			})
		);
	}
}
