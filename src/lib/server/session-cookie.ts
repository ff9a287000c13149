import type { Cookies } from '@sveltejs/kit';

export const SESSION_COOKIE = 'sy_session';

export function setSessionCookie(cookies: Cookies, token: string, expiresAt: number, secure: boolean) {
	cookies.set(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: new Date(expiresAt) });
}

export function clearSessionCookie(cookies: Cookies, secure: boolean) {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}
