import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { createAuthService, SIGNUP_REFUSED } from './auth.service';
import { createCredentialsRepository } from './credentials.repository';
import { loadConfig } from '../config';
import { createRateLimits } from '../rate-limits';
import { createUsersRepository } from './users.repository';

const DAY = 86_400_000;

describe.each(DIALECTS)('auth service on %s', (kind) => {
	let t: TestDatabase;
	let now: number;
	let auth: ReturnType<typeof createAuthService>;

	beforeEach(async () => {
		t = await freshDatabase(kind);
		now = Date.UTC(2026, 0, 1);
		auth = createAuthService({
			users: createUsersRepository(t.db),
			credentials: createCredentialsRepository(t.db),
			loginLimits: createRateLimits(loadConfig({ LOGIN_RATE_PER_MINUTE: '5', LOGIN_ADDRESS_RATE_PER_MINUTE: '12' }).rateLimits),
			sessionDays: 30,
			now: () => now
		});
	});
	afterEach(() => {
		vi.useRealTimers();
		return t.drop();
	});

	it('makes the first account admin and later ones members; emails are unique and case-insensitive', async () => {
		const first = await auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
		const second = await auth.signup({ email: 'bob@example.com', password: 'password2', name: 'Bob' });
		expect(first.ok && first.data.role).toBe('admin');
		expect(second.ok && second.data.role).toBe('member');
		const dup = await auth.signup({ email: 'ANN@example.com', password: 'password3', name: 'Ann 2' });
		// Generic: nothing says the email is taken (no account enumeration through signup).
		expect(dup).toEqual({ ok: false, error: { code: 'bad_request', message: SIGNUP_REFUSED } });
		expect(SIGNUP_REFUSED).not.toMatch(/exist|taken|already (registered|in use)/i);
	});

	it('makes exactly one admin when the first accounts are created at the same moment', async () => {
		const users = createUsersRepository(t.db);
		// Open the pool's connections first, so the creations below really run side by side.
		if (kind === 'postgres') await Promise.all(Array.from({ length: 10 }, () => sql`select pg_sleep(0.05)`.execute(t.db)));
		const created = await Promise.all(
			Array.from({ length: 12 }, (_, i) =>
				users.create({ id: `user${i}abcdefgh`, email: `u${i}@example.com`, name: `U${i}`, passwordHash: 'x' })
			)
		);
		expect(created.filter((u) => u.role === 'admin')).toHaveLength(1);
		const stored = await t.db.selectFrom('users').select('role').execute();
		expect(stored.filter((u) => u.role === 'admin')).toHaveLength(1);
		expect(stored).toHaveLength(12);
	});

	it('logs in with the right password only and never stores it in clear', async () => {
		await auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
		expect((await auth.login({ email: 'Ann@example.com', password: 'password1', clientKey: 'ip' })).ok).toBe(true);
		const wrong = await auth.login({ email: 'ann@example.com', password: 'nope', clientKey: 'ip' });
		expect(!wrong.ok && wrong.error.code).toBe('unauthenticated');
		const unknown = await auth.login({ email: 'zed@example.com', password: 'password1', clientKey: 'ip' });
		expect(!unknown.ok && unknown.error.message).toBe(!wrong.ok && wrong.error.message);
		const row = await t.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
		expect(row.password_hash).toMatch(/^\$argon2id\$/);
	});

	it('rate-limits login per (account, address) pair: failures elsewhere never lock the user out', async () => {
		vi.useFakeTimers({ toFake: ['Date'] }); // the limits' windows follow the clock
		await auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
		const codes: string[] = [];
		for (let i = 0; i < 6; i++) {
			const r = await auth.login({ email: 'ann@example.com', password: 'bad', clientKey: 'attacker' });
			codes.push(r.ok ? 'ok' : r.error.code);
		}
		expect(codes).toEqual([...Array(5).fill('unauthenticated'), 'rate_limited']);
		const refused = await auth.login({ email: 'ANN@example.com', password: 'password1', clientKey: 'attacker' });
		expect(refused).toEqual({
			ok: false,
			error: { code: 'rate_limited', message: expect.stringMatching(/LOGIN_RATE_PER_MINUTE: 5 per minute.*retry in \d+ s/) }
		});
		// Ann, from her own address, is not locked out by the attacker's failures.
		expect((await auth.login({ email: 'ann@example.com', password: 'password1', clientKey: 'ann-home' })).ok).toBe(true);
		vi.setSystemTime(Date.now() + 60_000);
		expect((await auth.login({ email: 'ann@example.com', password: 'password1', clientKey: 'attacker' })).ok).toBe(true);
	});

	it('caps login attempts per address over all accounts with the looser LOGIN_ADDRESS_RATE_PER_MINUTE', async () => {
		const codes: string[] = [];
		for (let i = 0; i < 13; i++) {
			const r = await auth.login({ email: `user${i}@example.com`, password: 'guess', clientKey: 'sprayer' });
			codes.push(r.ok ? 'ok' : r.error.code);
		}
		expect(codes).toEqual([...Array(12).fill('unauthenticated'), 'rate_limited']);
		const refused = await auth.login({ email: 'other@example.com', password: 'guess', clientKey: 'sprayer' });
		expect(!refused.ok && refused.error.message).toMatch(/LOGIN_ADDRESS_RATE_PER_MINUTE: 12 per minute/);
		expect(await auth.login({ email: 'other@example.com', password: 'guess', clientKey: 'elsewhere' })).toMatchObject({
			ok: false,
			error: { code: 'unauthenticated' }
		});
	});

	it('validates sessions by hashed secret, slides expiry after half-life, and expires them', async () => {
		const user = await auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
		if (!user.ok) throw new Error('signup failed');
		const { token, session } = await auth.createSession(user.data.id);
		const stored = await t.db.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
		expect(stored.secret_hash).not.toContain(token.split('.')[1]);

		expect((await auth.validateSessionToken(token))?.user.email).toBe('ann@example.com');
		expect(await auth.validateSessionToken(`${token.split('.')[0]}.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`)).toBeNull();
		expect(await auth.validateSessionToken('garbage')).toBeNull();

		now += 10 * DAY; // less than half of 30 days: unchanged
		expect((await auth.validateSessionToken(token))?.session.expiresAt).toBe(session.expiresAt);
		now += 10 * DAY; // past half-life: extended to now + 30 days
		expect((await auth.validateSessionToken(token))?.session.expiresAt).toBe(now + 30 * DAY);
		now += 31 * DAY;
		expect(await auth.validateSessionToken(token)).toBeNull();
		expect(await t.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
	});

	it('invalidates a session on logout', async () => {
		const user = await auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
		if (!user.ok) throw new Error('signup failed');
		const a = await auth.createSession(user.data.id);
		const b = await auth.createSession(user.data.id);
		await auth.invalidateSession(a.session.id);
		expect(await auth.validateSessionToken(a.token)).toBeNull();
		expect(await auth.validateSessionToken(b.token)).not.toBeNull();
	});

	it('issues API keys shown once, validates and revokes them (owner only)', async () => {
		const ann = await auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
		const bob = await auth.signup({ email: 'bob@example.com', password: 'password2', name: 'Bob' });
		if (!ann.ok || !bob.ok) throw new Error('signup failed');
		const key = await auth.createApiKey(ann.data.id, 'ci');
		expect(key.key).toMatch(/^sy_[a-z2-7]+\.[a-z2-7]+$/);
		expect((await auth.validateApiKey(key.key))?.id).toBe(ann.data.id);
		expect(await auth.validateApiKey(key.key.slice(0, -2) + 'aa')).toBeNull();
		expect((await auth.listApiKeys(ann.data.id))[0]).toMatchObject({ id: key.id, name: 'ci', lastUsedAt: now });
		expect(await auth.revokeApiKey(key.id, bob.data.id)).toBe(false);
		expect(await auth.revokeApiKey(key.id, ann.data.id)).toBe(true);
		expect(await auth.validateApiKey(key.key)).toBeNull();
		expect(await auth.listApiKeys(ann.data.id)).toEqual([]);
	});

	it('seeds an admin from the environment and promotes an existing account', async () => {
		await auth.signup({ email: 'first@example.com', password: 'password1', name: 'First' });
		await auth.signup({ email: 'ops@example.com', password: 'password2', name: 'Ops' });
		expect(await auth.seedAdmin('ops@example.com', 'new password')).toEqual({ created: false });
		const ops = await auth.login({ email: 'ops@example.com', password: 'new password', clientKey: 'x' });
		expect(ops.ok && ops.data.role).toBe('admin');
		expect(await auth.seedAdmin('root@example.com', 'root password')).toEqual({ created: true });
	});
});
