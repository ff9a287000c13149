import type { Db } from '../storage/db';

/** Sessions and API keys: both store only a SHA-256 of their secret. */
export function createCredentialsRepository(db: Db) {
	return {
		async insertSession(s: { id: string; userId: string; secretHash: string; expiresAt: number }) {
			await db
				.insertInto('sessions')
				.values({ id: s.id, user_id: s.userId, secret_hash: s.secretHash, expires_at: s.expiresAt, created_at: Date.now() })
				.execute();
		},
		findSessionWithUser(id: string) {
			return db
				.selectFrom('sessions')
				.innerJoin('users', 'users.id', 'sessions.user_id')
				.select([
					'sessions.id as session_id',
					'sessions.secret_hash',
					'sessions.expires_at',
					'users.id',
					'users.email',
					'users.name',
					'users.role'
				])
				.where('sessions.id', '=', id)
				.executeTakeFirst();
		},
		async extendSession(id: string, expiresAt: number) {
			await db.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
		},
		async deleteSession(id: string) {
			await db.deleteFrom('sessions').where('id', '=', id).execute();
		},
		async deleteUserSessions(userId: string) {
			await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
		},
		async deleteExpiredSessions(now: number) {
			await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
		},
		async insertApiKey(k: { id: string; userId: string; name: string; secretHash: string }) {
			await db
				.insertInto('api_keys')
				.values({
					id: k.id,
					user_id: k.userId,
					name: k.name,
					secret_hash: k.secretHash,
					created_at: Date.now(),
					last_used_at: null,
					revoked_at: null
				})
				.execute();
		},
		findApiKeyWithUser(id: string) {
			return db
				.selectFrom('api_keys')
				.innerJoin('users', 'users.id', 'api_keys.user_id')
				.select([
					'api_keys.id as key_id',
					'api_keys.secret_hash',
					'api_keys.revoked_at',
					'users.id',
					'users.email',
					'users.name',
					'users.role'
				])
				.where('api_keys.id', '=', id)
				.executeTakeFirst();
		},
		listApiKeys(userId: string) {
			return db
				.selectFrom('api_keys')
				.select(['id', 'name', 'created_at', 'last_used_at'])
				.where('user_id', '=', userId)
				.where('revoked_at', 'is', null)
				.orderBy('created_at', 'desc')
				.execute();
		},
		async touchApiKey(id: string, now: number) {
			await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
		},
		/** Revokes a key only if it belongs to the user; returns whether one was revoked. */
		async revokeApiKey(id: string, userId: string): Promise<boolean> {
			const res = await db
				.updateTable('api_keys')
				.set({ revoked_at: Date.now() })
				.where('id', '=', id)
				.where('user_id', '=', userId)
				.where('revoked_at', 'is', null)
				.executeTakeFirst();
			return Number(res.numUpdatedRows) > 0;
		}
	};
}

export type CredentialsRepository = ReturnType<typeof createCredentialsRepository>;
