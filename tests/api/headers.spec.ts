// Security headers on the built server (issue "Hardening", Headers): CSP from svelte.config.js, the rest from hooks.
import { expect, test } from '@playwright/test';
import { signup } from './helpers';

function directives(csp: string | undefined): Map<string, string[]> {
	const map = new Map<string, string[]>();
	for (const part of (csp ?? '').split(';')) {
		const [name, ...values] = part.trim().split(/\s+/);
		if (name) map.set(name, values);
	}
	return map;
}

test('pages carry a CSP that forbids framing and inline scripts without the page’s nonce', async ({ request }) => {
	for (const path of ['/login', '/signup']) {
		const res = await request.get(path);
		expect(res.status()).toBe(200);
		const csp = directives(res.headers()['content-security-policy']);
		expect(csp.get('frame-ancestors'), path).toEqual(["'none'"]);
		expect(csp.get('default-src')).toEqual(["'self'"]);
		expect(csp.get('object-src')).toEqual(["'none'"]);
		expect(csp.get('base-uri')).toEqual(["'self'"]);
		const scriptSrc = csp.get('script-src') ?? [];
		expect(scriptSrc).not.toContain("'unsafe-inline'");
		expect(scriptSrc).not.toContain("'unsafe-eval'");
		const nonce = scriptSrc.find((v) => v.startsWith("'nonce-"))?.slice("'nonce-".length, -1);
		expect(nonce).toBeTruthy();
		// Every inline script of the page (SvelteKit's start-up and the theme script in app.html) has that nonce.
		const html = await res.text();
		const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
		expect(inline.length).toBeGreaterThan(0);
		for (const attrs of inline) expect(attrs).toContain(`nonce="${nonce}"`);
	}
});

test('every response says nosniff, same-origin referrers and no framing', async ({ playwright, baseURL }) => {
	const request = await playwright.request.newContext({ baseURL });
	await signup(request, 'Headers');
	const room = await (await request.post('/api/rooms', { data: { name: 'Headers', visibility: 'private' } })).json();
	for (const path of ['/login', '/api/health', '/api/auth/me', `/rooms/${room.id}`, '/no-such-page']) {
		const res = await request.get(path);
		const headers = res.headers();
		expect(headers['x-content-type-options'], path).toBe('nosniff');
		expect(headers['referrer-policy'], path).toBe('same-origin');
		expect(headers['x-frame-options'], path).toBe('DENY');
	}
	const roomPage = await request.get(`/rooms/${room.id}`);
	expect(directives(roomPage.headers()['content-security-policy']).get('frame-ancestors')).toEqual(["'none'"]);
	await request.dispose();
});
