import * as Y from 'yjs';
import type { Db } from '../storage/db';

/**
 * Where a room's document lives between loads: the two functions y-websocket's persistence has. Updates are
 * appended; order does not matter to Yjs (updates commute and are idempotent), which is what makes appending,
 * compacting and even storing one twice safe.
 */
export interface YjsPersistence {
	/** Every stored update of the room, oldest first; applying them all rebuilds the document. */
	loadUpdates(roomId: string): Promise<Uint8Array[]>;
	storeUpdate(roomId: string, update: Uint8Array): Promise<void>;
}

export interface KyselyYjsPersistenceOptions {
	/** Merge a room's rows into one when it has more than this many. */
	compactAfter?: number;
	now?: () => number;
}

// better-sqlite3 binds only Buffers (not plain Uint8Arrays); pg takes both. A view, not a copy.
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Append-only `yjs_updates` rows per room (bytea on PostgreSQL, blob on SQLite), compacted with Y.mergeUpdates. */
export function createKyselyYjsPersistence(db: Db, options: KyselyYjsPersistenceOptions = {}) {
	const compactAfter = options.compactAfter ?? 100;
	const now = options.now ?? Date.now;
	const compacting = new Map<string, Promise<void>>();

	async function countUpdates(roomId: string): Promise<number> {
		const row = await db
			.selectFrom('yjs_updates')
			.select((eb) => eb.fn.countAll<number | string>().as('n'))
			.where('room_id', '=', roomId)
			.executeTakeFirstOrThrow();
		return Number(row.n);
	}

	/**
	 * Replaces the rows it read with their merge, in one transaction. It deletes by id, not by "id <= max": on
	 * PostgreSQL a row appended concurrently may commit with a lower id after our read, and must survive.
	 */
	async function compact(roomId: string): Promise<void> {
		await db.transaction().execute(async (trx) => {
			const rows = await trx.selectFrom('yjs_updates').select(['id', 'data']).where('room_id', '=', roomId).orderBy('id').execute();
			if (rows.length < 2) return;
			const merged = Y.mergeUpdates(rows.map((r) => r.data));
			await trx
				.deleteFrom('yjs_updates')
				.where(
					'id',
					'in',
					rows.map((r) => r.id)
				)
				.execute();
			await trx
				.insertInto('yjs_updates')
				.values({ room_id: roomId, data: asBuffer(merged), created_at: now() })
				.execute();
		});
	}

	return {
		async loadUpdates(roomId: string): Promise<Uint8Array[]> {
			const rows = await db.selectFrom('yjs_updates').select('data').where('room_id', '=', roomId).orderBy('id').execute();
			return rows.map((r) => r.data);
		},

		async storeUpdate(roomId: string, update: Uint8Array): Promise<void> {
			await db
				.insertInto('yjs_updates')
				.values({ room_id: roomId, data: asBuffer(update), created_at: now() })
				.execute();
			if (compacting.has(roomId) || (await countUpdates(roomId)) <= compactAfter) return;
			// One compaction per room at a time in this process; the stored update is safe either way.
			const running = compact(roomId).finally(() => compacting.delete(roomId));
			compacting.set(roomId, running);
			await running;
		},

		/** Rows a room has now (for tests and diagnostics). */
		countUpdates
	} satisfies YjsPersistence & Record<string, unknown>;
}

export type KyselyYjsPersistence = ReturnType<typeof createKyselyYjsPersistence>;
