import type { Generated, Insertable, Selectable } from 'kysely';
import type { RunStatus } from '../../src/lib/contract/runs';

// Times are epoch milliseconds stored as BIGINT (PostgreSQL) / INTEGER (SQLite) so both dialects compare them the
// same way; booleans are avoided for the same reason.

export interface UsersTable {
	id: string;
	email: string;
	name: string;
	password_hash: string;
	role: 'admin' | 'member';
	created_at: number;
}

export interface SessionsTable {
	id: string;
	user_id: string;
	secret_hash: string;
	expires_at: number;
	created_at: number;
}

export interface ApiKeysTable {
	id: string;
	user_id: string;
	name: string;
	secret_hash: string;
	created_at: number;
	last_used_at: number | null;
	revoked_at: number | null;
}

export interface RoomsTable {
	id: string;
	name: string;
	visibility: 'public' | 'private';
	owner_id: string;
	invite_token: string;
	created_at: number;
	/** Who may steer runs: every member, or only drivers (and the owner). */
	steering: Generated<'everyone' | 'drivers'>;
}

export interface RoomMembersTable {
	room_id: string;
	user_id: string;
	role: 'owner' | 'member';
	joined_at: number;
	/** 1 when the member may steer in a drivers-only room. */
	driver: Generated<number>;
}

/** A member the owner removed: kept out of the room until the owner adds them back. */
export interface RoomBansTable {
	room_id: string;
	user_id: string;
	banned_at: number;
}

export interface RunsTable {
	id: string;
	room_id: string;
	author_id: string;
	mode: 'orchestrated' | 'direct' | 'compare';
	prompt: string;
	request: string;
	status: RunStatus;
	model_id: string | null;
	task: string | null;
	title: string | null;
	summary: string | null;
	answer: string | null;
	parent_run_id: string | null;
	forked_from_node: string | null;
	approval_by: string | null;
	metrics: string | null;
	error: string | null;
	last_seq: number;
	created_at: number;
	started_at: number | null;
	finished_at: number | null;
}

export interface RunEventsTable {
	run_id: string;
	seq: number;
	ts: number;
	type: string;
	data: string;
}

/** One Yjs update (or a compacted merge of many) of a room's prompt document, in append order. */
export interface YjsUpdatesTable {
	id: Generated<number>;
	room_id: string;
	/** bytea on PostgreSQL, blob on SQLite; both drivers return a Buffer. */
	data: Uint8Array;
	created_at: number;
}

export interface RoomActivityTable {
	id: string;
	room_id: string;
	actor_id: string;
	action: string;
	run_id: string | null;
	detail: string | null;
	ts: number;
}

/** A model that must not be loaded until an admin clears it or its file changes (size or mtime). */
export interface ModelQuarantineTable {
	model_id: string;
	file_path: string;
	file_size: number;
	file_mtime_ms: number;
	cause: 'invalid_file' | 'load_failed' | 'crashed';
	reason: string;
	since: number;
}

/** Written before llama.cpp loads a model, deleted when the load ends: a row found at start-up is a crash. */
export interface ModelLoadingTable {
	model_id: string;
	file_path: string;
	file_size: number;
	file_mtime_ms: number;
	/** The process that wrote it (a random id per process, not the pid, which containers reuse). */
	boot_id: string;
	/** Where that process ran (os.hostname()) and its pid: whether it is still alive can be checked there. */
	host: string;
	pid: number;
	started_at: number;
}

/** A model file llama.cpp opened in a supervised child process without crashing it (migration 0008). */
export interface ModelLoadChecksTable {
	file_path: string;
	file_size: number;
	file_mtime_ms: number;
	/** node-llama-cpp's version and backend: another engine checks the file again. */
	engine: string;
	passed_at: number;
	took_ms: number;
}

export interface DB {
	users: UsersTable;
	sessions: SessionsTable;
	api_keys: ApiKeysTable;
	rooms: RoomsTable;
	room_members: RoomMembersTable;
	room_bans: RoomBansTable;
	runs: RunsTable;
	run_events: RunEventsTable;
	room_activity: RoomActivityTable;
	yjs_updates: YjsUpdatesTable;
	model_quarantine: ModelQuarantineTable;
	model_loading: ModelLoadingTable;
	model_load_checks: ModelLoadChecksTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type RoomRow = Selectable<RoomsTable>;
export type NewRoom = Insertable<RoomsTable>;
