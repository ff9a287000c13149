import { describe, expect, it } from 'vitest';
import { isHttpError } from '@sveltejs/kit';
import { readForm, safeNext } from './forms';

describe('safeNext (post-login redirect target)', () => {
	it.each([
		['/rooms', '/rooms'],
		['/rooms/k3xabcde', '/rooms/k3xabcde'],
		['/invite/abcdefgh?x=1#top', '/invite/abcdefgh?x=1#top'],
		['/settings/', '/settings/'],
		['/a/../rooms', '/rooms'] // normalised the way the browser would
	])('keeps the same-site path %s', (next, expected) => {
		expect(safeNext(next)).toBe(expected);
	});

	it.each([
		['null', null],
		['empty', ''],
		['an absolute URL', 'https://evil.example/'],
		['a scheme-relative URL', '//evil.example'],
		['a backslash that browsers read as a slash', '/\\evil.example'],
		['two backslashes', '\\\\evil.example'],
		['slash, backslash, slash', '/\\/evil.example'],
		['a tab the URL parser drops', '/\t/evil.example'],
		['a newline the URL parser drops', '/\n/evil.example'],
		['a carriage return and a backslash', '/\r\\evil.example'],
		['a dot segment that collapses to //', '/.//evil.example'],
		['dot-dot segments that collapse to //', '/x/..//evil.example'],
		['javascript:', 'javascript:alert(1)'],
		['data:', 'data:text/html,<script>alert(1)</script>'],
		['a relative path', 'rooms'],
		['leading whitespace', ' //evil.example'],
		['a user-info trick', '/@evil.example'.replace('/', '//')],
		['a very long path', `/${'a'.repeat(5000)}`]
	])('refuses %s', (_what, next) => {
		expect(safeNext(next)).toBe('/rooms');
	});

	it('uses the given fallback', () => {
		expect(safeNext('//evil.example', '/')).toBe('/');
	});

	it('never returns something a browser resolves to another origin', () => {
		const samples = [
			'/%2F\\evil.example',
			'/\\evil.example',
			'/.//evil.example',
			'/\t/evil.example',
			'/%2e%2e//evil.example',
			'/%2F%2Fevil.example',
			'/rooms'
		];
		for (const next of samples) {
			expect(new URL(safeNext(next), 'https://switchyard.example').origin).toBe('https://switchyard.example');
		}
	});
});

describe('readForm', () => {
	const post = (body: string, type: string) =>
		new Request('http://switchyard.test/login', { method: 'POST', body, headers: { 'content-type': type } });

	it('reads url-encoded and multipart forms', async () => {
		expect((await readForm(post('email=a%40b.c', 'application/x-www-form-urlencoded'))).get('email')).toBe('a@b.c');
		const multipart = new FormData();
		multipart.set('name', 'Ann');
		expect((await readForm(new Request('http://switchyard.test/', { method: 'POST', body: multipart }))).get('name')).toBe('Ann');
	});

	it.each([
		['JSON', '{"email":"a@b.c"}', 'application/json'],
		['plain text', 'email=a@b.c', 'text/plain'],
		['a broken multipart body', '--x\r\nnot a part', 'multipart/form-data; boundary=x']
	])('answers %s with a 400, not a parser crash', async (_what, body, type) => {
		const thrown = await readForm(post(body, type)).catch((err: unknown) => err);
		expect(isHttpError(thrown) && thrown.status).toBe(400);
		expect(isHttpError(thrown) && thrown.body).toEqual({ code: 'bad_request', message: expect.stringMatching(/form/) });
	});
});
