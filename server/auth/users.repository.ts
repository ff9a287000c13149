import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../storage/db';
import type { UserRow } from '../storage/schema';
import type { PublicUser } from '../../src/lib/contract/auth';

export type Role = UserRow['role'];

/** The public face of a user: what other people and the browser may see. */
export type { PublicUser };

export const toPublicUser = (u: UserRow): PublicUser => ({ id: u.id, email: u.email, name: u.name, role: u.role });

export function createUsersRepository(db: Db) {
	const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
	return {
		findByEmail(email: string) {
			return db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
		},
		findById(id: string) {
			return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
		},
		/** Inserts a user; the very first account becomes admin, decided inside one transaction. */
		async create(user: { id: string; email: string; name: string; passwordHash: string; role?: Role }): Promise<UserRow> {
			return db.transaction().execute(async (trx) => {
				// Under PostgreSQL's READ COMMITTED, concurrent first signups would each see an empty table and all become
				// admin. This lock (it conflicts with itself and with inserts) makes account creation one at a time until
				// commit, so each sees the ones before it. SQLite already runs one write transaction at a time.
				if (!user.role && postgres) await sql`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
				const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
				const row: UserRow = {
					id: user.id,
					email: user.email.toLowerCase(),
					name: user.name,
					password_hash: user.passwordHash,
					role: user.role ?? (existing ? 'member' : 'admin'),
					created_at: Date.now()
				};
				await trx.insertInto('users').values(row).execute();
				return row;
			});
		},
		async setRole(id: string, role: Role) {
			await db.updateTable('users').set({ role }).where('id', '=', id).execute();
		},
		async setPassword(id: string, passwordHash: string) {
			await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
		}
	};
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
