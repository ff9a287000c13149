import type { AdminUser, Role } from '../../src/lib/contract/admin';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import type { Db } from '../storage/db';

/** Accounts as the admin page sees them, and role changes that never leave the server without an admin. */
export function createAdminUsers(db: Db) {
	const columns = ['id', 'email', 'name', 'role', 'created_at'] as const;
	const toUser = (r: { id: string; email: string; name: string; role: Role; created_at: number | string }): AdminUser => ({
		id: r.id,
		email: r.email,
		name: r.name,
		role: r.role,
		createdAt: Number(r.created_at)
	});

	return {
		async list(): Promise<AdminUser[]> {
			const rows = await db.selectFrom('users').select(columns).orderBy('created_at').orderBy('id').execute();
			return rows.map(toUser);
		},

		/** Sets a role; refuses to demote the last admin (who is necessarily the caller). */
		async setRole(id: string, role: Role): Promise<Result<AdminUser>> {
			return db.transaction().execute(async (trx) => {
				const target = await trx.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
				if (!target) return fail('not_found', 'No such user');
				if (target.role === role) return ok(toUser(target));
				if (target.role === 'admin') {
					const { admins } = await trx
						.selectFrom('users')
						.select((eb) => eb.fn.countAll<number | string>().as('admins'))
						.where('role', '=', 'admin')
						.executeTakeFirstOrThrow();
					if (Number(admins) <= 1) return fail('conflict', `${target.name} is the last admin: make someone else an admin first`);
				}
				await trx.updateTable('users').set({ role }).where('id', '=', id).execute();
				return ok(toUser({ ...target, role }));
			});
		}
	};
}

export type AdminUsers = ReturnType<typeof createAdminUsers>;
