import { fail, ok, type Result } from '../../src/lib/contract/result';
import type { CredentialsRepository } from './credentials.repository';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';
import type { RateLimits } from '../rate-limits';
import { hashSecret, randomToken, secretMatches, splitToken } from './tokens';
import { toPublicUser, type PublicUser, type UsersRepository } from './users.repository';

export const SESSION_COOKIE = 'sy_session';
export const API_KEY_PREFIX = 'sy_';

const DAY = 24 * 60 * 60 * 1000;

/**
 * Signup's only refusal after validation. It must not say whether the email has an account (enumeration), so it is
 * the same, with the same status and about the same time, for a taken email and any other failure to create one;
 * it points the person who already has an account to the login.
 */
export const SIGNUP_REFUSED = 'We could not create an account with these details. If you already have one, log in instead.';

export interface AuthDeps {
	users: UsersRepository;
	credentials: CredentialsRepository;
	/** LOGIN_RATE_PER_MINUTE per (account, client address) pair and the looser LOGIN_ADDRESS_RATE_PER_MINUTE per address. */
	loginLimits: Pick<RateLimits, 'login' | 'loginAddress'>;
	sessionDays: number;
	now?: () => number;
}

export interface SessionInfo {
	id: string;
	expiresAt: number;
}

/**
 * Sessions and API keys after lucia-auth.com's guide (the `lucia` package itself is deprecated): a token is
 * "<id>.<secret>", only SHA-256(secret) is stored, compared in constant time; sessions slide forward when more
 * than half their lifetime has passed, and are deleted on logout.
 */
export function createAuthService(deps: AuthDeps) {
	const now = deps.now ?? Date.now;
	const sessionMs = deps.sessionDays * DAY;

	async function createSession(userId: string): Promise<{ token: string; session: SessionInfo }> {
		const id = randomToken();
		const secret = randomToken(20);
		const expiresAt = now() + sessionMs;
		await deps.credentials.insertSession({ id, userId, secretHash: hashSecret(secret), expiresAt });
		return { token: `${id}.${secret}`, session: { id, expiresAt } };
	}

	return {
		createSession,

		async signup(input: { email: string; password: string; name: string }): Promise<Result<PublicUser>> {
			// Hashed first, so a taken email answers as slowly as a new one.
			const passwordHash = await hashPassword(input.password);
			if (await deps.users.findByEmail(input.email)) return fail('bad_request', SIGNUP_REFUSED);
			try {
				const row = await deps.users.create({ id: randomToken(), email: input.email, name: input.name, passwordHash });
				return ok(toPublicUser(row));
			} catch {
				// Lost a race with a concurrent signup for the same email: the unique index said no.
				return fail('bad_request', SIGNUP_REFUSED);
			}
		},

		async login(input: { email: string; password: string; clientKey: string }): Promise<Result<PublicUser>> {
			const email = input.email.toLowerCase();
			// Per pair, not per account: failures from an attacker's address never lock the user out from theirs.
			const pair = await deps.loginLimits.login.take(`${email} ${input.clientKey}`);
			if (!pair.ok) return pair;
			const address = await deps.loginLimits.loginAddress.take(input.clientKey);
			if (!address.ok) return address;
			const user = await deps.users.findByEmail(email);
			if (!user) {
				await burnPasswordCheck(input.password);
				return fail('unauthenticated', 'Wrong email or password');
			}
			if (!(await verifyPassword(user.password_hash, input.password))) return fail('unauthenticated', 'Wrong email or password');
			return ok(toPublicUser(user));
		},

		/** Returns the session's user, extending the session when it is past half its life; null when invalid. */
		async validateSessionToken(token: string): Promise<{ user: PublicUser; session: SessionInfo } | null> {
			const parts = splitToken(token);
			if (!parts) return null;
			const row = await deps.credentials.findSessionWithUser(parts.id);
			if (!row || !secretMatches(parts.secret, row.secret_hash)) return null;
			const t = now();
			if (row.expires_at <= t) {
				await deps.credentials.deleteSession(row.session_id);
				return null;
			}
			let expiresAt = row.expires_at;
			if (expiresAt - t < sessionMs / 2) {
				expiresAt = t + sessionMs;
				await deps.credentials.extendSession(row.session_id, expiresAt);
			}
			return { user: { id: row.id, email: row.email, name: row.name, role: row.role }, session: { id: row.session_id, expiresAt } };
		},

		invalidateSession: (id: string) => deps.credentials.deleteSession(id),
		invalidateUserSessions: (userId: string) => deps.credentials.deleteUserSessions(userId),

		/** Creates an API key; the full key is returned once and never stored. */
		async createApiKey(userId: string, name: string) {
			const id = randomToken();
			const secret = randomToken(20);
			await deps.credentials.insertApiKey({ id, userId, name, secretHash: hashSecret(secret) });
			return { id, name, key: `${API_KEY_PREFIX}${id}.${secret}` };
		},

		async listApiKeys(userId: string) {
			const rows = await deps.credentials.listApiKeys(userId);
			return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
		},

		revokeApiKey: (id: string, userId: string) => deps.credentials.revokeApiKey(id, userId),

		async validateApiKey(key: string): Promise<PublicUser | null> {
			const parts = splitToken(key, API_KEY_PREFIX);
			if (!parts) return null;
			const row = await deps.credentials.findApiKeyWithUser(parts.id);
			if (!row || row.revoked_at !== null || !secretMatches(parts.secret, row.secret_hash)) return null;
			await deps.credentials.touchApiKey(row.key_id, now());
			return { id: row.id, email: row.email, name: row.name, role: row.role };
		},

		/** Creates or updates the admin named by ADMIN_EMAIL/ADMIN_PASSWORD. */
		async seedAdmin(email: string, password: string): Promise<{ created: boolean }> {
			const existing = await deps.users.findByEmail(email);
			const passwordHash = await hashPassword(password);
			if (existing) {
				await deps.users.setRole(existing.id, 'admin');
				await deps.users.setPassword(existing.id, passwordHash);
				return { created: false };
			}
			await deps.users.create({ id: randomToken(), email, name: email.split('@')[0], passwordHash, role: 'admin' });
			return { created: true };
		}
	};
}

export type AuthService = ReturnType<typeof createAuthService>;
