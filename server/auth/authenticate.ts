import { parse as parseCookie } from 'cookie';
import { API_KEY_PREFIX, SESSION_COOKIE, type AuthService } from './auth.service';
import { splitToken } from './tokens';
import type { PublicUser } from './users.repository';

export interface Authenticated {
	user: PublicUser;
	/** Set when the caller used a session cookie (not an API key). */
	session?: { id: string; expiresAt: number; token: string };
	via: 'session' | 'api_key';
	/** Set when the caller used an API key, so revoking it can close its sockets. */
	apiKeyId?: string;
}

/**
 * One authentication path for HTTP routes and socket handshakes: an API key (Bearer header or socket `auth.token`)
 * wins over the session cookie. Returns null for anonymous or invalid credentials.
 */
export async function authenticate(
	auth: AuthService,
	credentials: { cookieHeader?: string | null; authorization?: string | null; token?: unknown }
): Promise<Authenticated | null> {
	const bearer = credentials.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
	const key = bearer ?? (typeof credentials.token === 'string' ? credentials.token : undefined);
	if (key) {
		if (!key.startsWith(API_KEY_PREFIX)) return null;
		const user = await auth.validateApiKey(key);
		const apiKeyId = splitToken(key, API_KEY_PREFIX)?.id;
		return user && apiKeyId ? { user, via: 'api_key', apiKeyId } : null;
	}
	const cookieToken = credentials.cookieHeader ? parseCookie(credentials.cookieHeader)[SESSION_COOKIE] : undefined;
	if (!cookieToken) return null;
	const result = await auth.validateSessionToken(cookieToken);
	return result ? { user: result.user, session: { ...result.session, token: cookieToken }, via: 'session' } : null;
}
