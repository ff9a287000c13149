import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { isAllowedOrigin } from './origin';

/** A real request object with the given headers, arriving over plain TCP or TLS. */
function request(headers: Record<string, string>, tls = false): IncomingMessage {
	const req = new IncomingMessage(tls ? new TLSSocket(new Socket()) : new Socket());
	req.headers = headers;
	return req;
}

describe('socket Origin check', () => {
	it('lets non-browser clients (no Origin) through', () => {
		expect(isAllowedOrigin(request({ host: 'anything.example' }))).toBe(true);
	});

	it.each([
		// [origin, host, tls, allowed]
		['http://localhost:3000', 'localhost:3000', false, true],
		['http://127.0.0.1:3000', '127.0.0.1:3000', false, true],
		['http://[::1]:3000', '[::1]:3000', false, true],
		['http://app.localhost:3000', 'app.localhost:3000', false, true],
		['http://192.168.1.20:3000', '192.168.1.20:3000', false, true],
		['https://127.0.0.1:3000', '127.0.0.1:3000', true, true],
		['https://127.0.0.1:3000', '127.0.0.1:3000', false, false], // scheme differs from the connection's
		['http://127.0.0.1:3000', '127.0.0.1:3000', true, false],
		['http://localhost:3001', 'localhost:3000', false, false], // port differs
		['http://localhost', 'localhost:80', false, true], // default port, written either way
		['http://evil.example:3000', 'evil.example:3000', false, false], // DNS rebinding: matching, but a name anyone can own
		['http://localhost.evil.example:3000', 'localhost.evil.example:3000', false, false],
		['http://evil.example', 'localhost:3000', false, false],
		['null', 'localhost:3000', false, false],
		['not a url', 'localhost:3000', false, false]
	])('without ORIGIN: Origin %s to Host %s (TLS %s) → %s', (origin, host, tls, allowed) => {
		expect(isAllowedOrigin(request({ origin, host }, tls))).toBe(allowed);
	});

	it('without ORIGIN trusts a name only when it is the configured HOST', () => {
		const req = () => request({ origin: 'http://switchyard.lan:3000', host: 'switchyard.lan:3000' });
		expect(isAllowedOrigin(req(), { host: 'switchyard.lan' })).toBe(true);
		expect(isAllowedOrigin(req(), { host: '0.0.0.0' })).toBe(false);
		expect(isAllowedOrigin(req())).toBe(false);
		expect(isAllowedOrigin(request({ origin: 'http://switchyard.lan:3000' }), { host: 'switchyard.lan' })).toBe(false); // no Host
	});

	it.each([
		['https://switchyard.example', true],
		['https://switchyard.example:443', true],
		['http://switchyard.example', false],
		['https://switchyard.example:8443', false],
		['https://evil.switchyard.example', false],
		['https://switchyard.example.evil.example', false],
		['null', false]
	])('with ORIGIN https://switchyard.example: Origin %s → %s, whatever the Host says', (origin, allowed) => {
		const policy = { origin: 'https://switchyard.example' };
		expect(isAllowedOrigin(request({ origin, host: new URL(origin === 'null' ? 'http://x' : origin).host }), policy)).toBe(allowed);
	});
});
