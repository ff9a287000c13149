import type { APIRequestContext } from '@playwright/test';
import { randomBytes } from 'node:crypto';

/** Unique accounts per test: the server is shared by the whole run. */
export function uniqueEmail(prefix: string): string {
	return `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
}

export async function signup(request: APIRequestContext, name: string) {
	const email = uniqueEmail(name.toLowerCase());
	const res = await request.post('/api/auth/signup', { data: { email, password: 'password1', name } });
	if (res.status() !== 201) throw new Error(`signup failed: ${res.status()} ${await res.text()}`);
	const cookie = res.headers()['set-cookie']?.split(';')[0] ?? '';
	const { user } = await res.json();
	return { email, cookie, user: user as { id: string; role: string; name: string } };
}
