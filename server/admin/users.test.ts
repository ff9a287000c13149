import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { createUsersRepository } from '../auth/users.repository';
import { createAdminUsers } from './users';

describe.each(DIALECTS)('admin users on %s', (kind) => {
	let t: TestDatabase;
	beforeEach(async () => {
		t = await freshDatabase(kind);
	});
	afterEach(() => t.drop());

	async function seed() {
		const repo = createUsersRepository(t.db);
		const ann = await repo.create({ id: 'ann', email: 'ann@example.com', name: 'Ann', passwordHash: 'x' });
		const bob = await repo.create({ id: 'bob', email: 'bob@example.com', name: 'Bob', passwordHash: 'x' });
		return { ann, bob, admin: createAdminUsers(t.db) };
	}

	it('lists accounts oldest first, without password hashes', async () => {
		const { admin } = await seed();
		const users = await admin.list();
		expect(users).toEqual([
			{ id: 'ann', email: 'ann@example.com', name: 'Ann', role: 'admin', createdAt: expect.any(Number) },
			{ id: 'bob', email: 'bob@example.com', name: 'Bob', role: 'member', createdAt: expect.any(Number) }
		]);
	});

	it('promotes and demotes, but never demotes the last admin', async () => {
		const { admin } = await seed();
		expect(await admin.setRole('ann', 'member')).toEqual({
			ok: false,
			error: { code: 'conflict', message: expect.stringMatching(/Ann is the last admin/) }
		});
		expect(await admin.setRole('bob', 'admin')).toMatchObject({ ok: true, data: { id: 'bob', role: 'admin' } });
		expect(await admin.setRole('ann', 'member')).toMatchObject({ ok: true, data: { id: 'ann', role: 'member' } });
		expect(await admin.setRole('bob', 'member')).toMatchObject({ ok: false, error: { code: 'conflict' } });
		expect(await admin.setRole('bob', 'admin')).toMatchObject({ ok: true }); // already admin: no change
		expect(await admin.setRole('nobody', 'admin')).toMatchObject({ ok: false, error: { code: 'not_found' } });
		expect((await admin.list()).map((u) => [u.id, u.role])).toEqual([
			['ann', 'member'],
			['bob', 'admin']
		]);
	});
});
