import { PostgresAdapter, sql, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';

// Migrations are plain objects in code (not files on disk) so the same list runs in dev, production and tests,
// on SQLite and PostgreSQL alike. Append new ones; never edit a shipped one.
const migrations: Record<string, Migration> = {
	'0001_foundation': {
		async up(db: Kysely<any>) {
			await db.schema
				.createTable('users')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('email', 'text', (c) => c.notNull().unique())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('password_hash', 'text', (c) => c.notNull())
				.addColumn('role', 'text', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('sessions')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('secret_hash', 'text', (c) => c.notNull())
				.addColumn('expires_at', 'bigint', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
			await db.schema
				.createTable('api_keys')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('secret_hash', 'text', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('last_used_at', 'bigint')
				.addColumn('revoked_at', 'bigint')
				.execute();
			await db.schema.createIndex('api_keys_user_id').on('api_keys').column('user_id').execute();
			await db.schema
				.createTable('rooms')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('visibility', 'text', (c) => c.notNull())
				.addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('invite_token', 'text', (c) => c.notNull().unique())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('room_members')
				.addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('role', 'text', (c) => c.notNull())
				.addColumn('joined_at', 'bigint', (c) => c.notNull())
				.addPrimaryKeyConstraint('room_members_pk', ['room_id', 'user_id'])
				.execute();
			await db.schema.createIndex('room_members_user_id').on('room_members').column('user_id').execute();
		},
		async down(db: Kysely<any>) {
			for (const table of ['room_members', 'rooms', 'api_keys', 'sessions', 'users']) {
				await db.schema.dropTable(table).execute();
			}
		}
	},
	// Append-only Yjs update blobs per room (server/yjs/persistence.ts); compaction merges a room's rows into one.
	'0002_yjs': {
		async up(db: Kysely<any>) {
			const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
			await db.schema
				.createTable('yjs_updates')
				.addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
				.addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
				.addColumn('data', postgres ? sql`bytea` : 'blob', (c) => c.notNull())
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('yjs_updates_room_id').on('yjs_updates').columns(['room_id', 'id']).execute();
		},
		async down(db: Kysely<any>) {
			await db.schema.dropTable('yjs_updates').execute();
		}
	},
	'0003_runs': {
		async up(db: Kysely<any>) {
			await db.schema
				.createTable('runs')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
				.addColumn('author_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('mode', 'text', (c) => c.notNull())
				.addColumn('prompt', 'text', (c) => c.notNull())
				.addColumn('request', 'text', (c) => c.notNull()) // the validated RunRequest as JSON
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('model_id', 'text')
				.addColumn('task', 'text')
				.addColumn('title', 'text')
				.addColumn('summary', 'text')
				.addColumn('answer', 'text')
				.addColumn('parent_run_id', 'text')
				.addColumn('forked_from_node', 'text')
				.addColumn('approval_by', 'text')
				.addColumn('metrics', 'text')
				.addColumn('error', 'text')
				.addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', 'bigint', (c) => c.notNull())
				.addColumn('started_at', 'bigint')
				.addColumn('finished_at', 'bigint')
				.execute();
			await db.schema.createIndex('runs_room_created').on('runs').columns(['room_id', 'created_at']).execute();
			await db.schema
				.createTable('run_events')
				.addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
				.addColumn('seq', 'integer', (c) => c.notNull())
				.addColumn('ts', 'bigint', (c) => c.notNull())
				.addColumn('type', 'text', (c) => c.notNull())
				.addColumn('data', 'text', (c) => c.notNull())
				.addPrimaryKeyConstraint('run_events_pk', ['run_id', 'seq'])
				.execute();
		},
		async down(db: Kysely<any>) {
			await db.schema.dropTable('run_events').execute();
			await db.schema.dropTable('runs').execute();
		}
	},
	// Who steered which run, when: the room's activity feed.
	'0004_room_activity': {
		async up(db: Kysely<any>) {
			await db.schema
				.createTable('room_activity')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
				.addColumn('actor_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('action', 'text', (c) => c.notNull())
				.addColumn('run_id', 'text')
				.addColumn('detail', 'text')
				.addColumn('ts', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('room_activity_room_ts').on('room_activity').columns(['room_id', 'ts']).execute();
		},
		async down(db: Kysely<any>) {
			await db.schema.dropTable('room_activity').execute();
		}
	},
	// Steering rights: an owner may limit who starts, cancels, approves and forks runs to members marked as drivers.
	'0005_drivers': {
		async up(db: Kysely<any>) {
			await db.schema
				.alterTable('rooms')
				.addColumn('steering', 'text', (c) => c.notNull().defaultTo('everyone'))
				.execute();
			await db.schema
				.alterTable('room_members')
				.addColumn('driver', 'integer', (c) => c.notNull().defaultTo(0))
				.execute();
		},
		async down(db: Kysely<any>) {
			await db.schema.alterTable('room_members').dropColumn('driver').execute();
			await db.schema.alterTable('rooms').dropColumn('steering').execute();
		}
	},
	// Removal sticks: a member the owner removed cannot rejoin a public room or use the invite link again until the
	// owner adds them back by email.
	'0006_room_bans': {
		async up(db: Kysely<any>) {
			await db.schema
				.createTable('room_bans')
				.addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('banned_at', 'bigint', (c) => c.notNull())
				.addPrimaryKeyConstraint('room_bans_pk', ['room_id', 'user_id'])
				.execute();
		},
		async down(db: Kysely<any>) {
			await db.schema.dropTable('room_bans').execute();
		}
	},
	// Models kept away from llama.cpp (server/models/quarantine.ts), and the models llama.cpp is loading right now: a
	// row left in model_loading at start-up means the previous process died inside a native load.
	'0007_model_quarantine': {
		async up(db: Kysely<any>) {
			await db.schema
				.createTable('model_quarantine')
				.addColumn('model_id', 'text', (c) => c.primaryKey())
				.addColumn('file_path', 'text', (c) => c.notNull())
				.addColumn('file_size', 'bigint', (c) => c.notNull())
				.addColumn('file_mtime_ms', 'bigint', (c) => c.notNull())
				.addColumn('cause', 'text', (c) => c.notNull())
				.addColumn('reason', 'text', (c) => c.notNull())
				.addColumn('since', 'bigint', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('model_loading')
				.addColumn('model_id', 'text', (c) => c.primaryKey())
				.addColumn('file_path', 'text', (c) => c.notNull())
				.addColumn('file_size', 'bigint', (c) => c.notNull())
				.addColumn('file_mtime_ms', 'bigint', (c) => c.notNull())
				.addColumn('boot_id', 'text', (c) => c.notNull())
				.addColumn('started_at', 'bigint', (c) => c.notNull())
				.execute();
		},
		async down(db: Kysely<any>) {
			await db.schema.dropTable('model_loading').execute();
			await db.schema.dropTable('model_quarantine').execute();
		}
	},
	// Model files that passed the supervised check (server/models/load-check/): opened by llama.cpp in a child
	// process without crashing it. One row per path; a row applies only while the file keeps its size and mtime and
	// the same llama.cpp engine opens it.
	'0008_model_load_checks': {
		async up(db: Kysely<any>) {
			await db.schema
				.createTable('model_load_checks')
				.addColumn('file_path', 'text', (c) => c.primaryKey())
				.addColumn('file_size', 'bigint', (c) => c.notNull())
				.addColumn('file_mtime_ms', 'bigint', (c) => c.notNull())
				.addColumn('engine', 'text', (c) => c.notNull())
				.addColumn('passed_at', 'bigint', (c) => c.notNull())
				.addColumn('took_ms', 'integer', (c) => c.notNull())
				.execute();
		},
		async down(db: Kysely<any>) {
			await db.schema.dropTable('model_load_checks').execute();
		}
	},
	// Loading rows name their process (host and pid) and are one per process and model: in a cluster that shares the
	// database, several workers load the same model, and a starting worker must tell a dead process's row from the
	// row of a load that is running elsewhere. The old rows carry no owner, so they go (they are transient).
	'0009_model_loading_owner': {
		async up(db: Kysely<any>) {
			await db.schema.dropTable('model_loading').execute();
			await createModelLoading(db, (t) =>
				t
					.addColumn('host', 'text', (c) => c.notNull())
					.addColumn('pid', 'integer', (c) => c.notNull())
					.addPrimaryKeyConstraint('model_loading_pk', ['model_id', 'boot_id'])
			);
		},
		async down(db: Kysely<any>) {
			await db.schema.dropTable('model_loading').execute();
			await createModelLoading(db, (t) => t.addPrimaryKeyConstraint('model_loading_pk', ['model_id']));
		}
	}
};

/** The model_loading table of migration 0007, before 0009 gave it owners (and a key per process). */
function createModelLoading(
	db: Kysely<any>,
	extend: (t: CreateTableBuilder<'model_loading', any>) => CreateTableBuilder<'model_loading', any>
) {
	const base = db.schema
		.createTable('model_loading')
		.addColumn('model_id', 'text', (c) => c.notNull())
		.addColumn('file_path', 'text', (c) => c.notNull())
		.addColumn('file_size', 'bigint', (c) => c.notNull())
		.addColumn('file_mtime_ms', 'bigint', (c) => c.notNull())
		.addColumn('boot_id', 'text', (c) => c.notNull())
		.addColumn('started_at', 'bigint', (c) => c.notNull());
	return extend(base).execute();
}

export const migrationProvider: MigrationProvider = {
	async getMigrations() {
		return migrations;
	}
};
