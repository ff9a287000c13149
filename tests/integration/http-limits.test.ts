import { isActionFailure, isHttpError, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as createKey } from '../../src/routes/api/keys/+server';
import { GET as listRooms, POST as createRoom } from '../../src/routes/api/rooms/+server';
import { POST as signup } from '../../src/routes/api/auth/signup/+server';
import { actions as signupPage } from '../../src/routes/signup/+page.server';
import { POST as v1Chat } from '../../src/routes/v1/chat/completions/+server';
import type { PublicUser } from '../../server/auth/users.repository';
import { startTestServer, type TestServer } from '../helpers/test-server';

// The HTTP limits from the environment, through SvelteKit's own route modules called with a request event as
// SvelteKit builds it (the app context is the real one, on SQLite).

interface Caller {
	user?: PublicUser | null;
	session?: boolean;
	address?: string;
}

function event(
	server: TestServer,
	method: string,
	url: string,
	body: BodyInit | null,
	who: Caller = {},
	headers: Record<string, string> = {}
) {
	const request = new Request(url, {
		method,
		body,
		headers: { 'content-type': 'application/json', ...headers },
		...(body instanceof ReadableStream ? { duplex: 'half' } : {})
	} as RequestInit);
	return {
		locals: { app: server.ctx, user: who.user ?? null, session: who.session ? { id: 'session', expiresAt: Date.now() + 60_000 } : null },
		request,
		url: new URL(url),
		params: {},
		cookies: { set() {}, get() {}, delete() {} },
		getClientAddress: () => who.address ?? '203.0.113.7'
	} as never;
}

const json = (value: unknown) => JSON.stringify(value);

async function status(call: () => Response | Promise<Response>): Promise<{ status: number; body: unknown; headers: Headers }> {
	try {
		const res = await call();
		return { status: res.status, body: await res.json(), headers: res.headers };
	} catch (err) {
		if (isHttpError(err)) return { status: err.status, body: err.body, headers: new Headers() };
		throw err;
	}
}

describe('HTTP limits', () => {
	let server: TestServer;
	let ann: PublicUser;

	beforeAll(async () => {
		server = await startTestServer({
			SIGNUP_RATE_PER_MINUTE: '2',
			ROOM_CREATE_RATE_PER_MINUTE: '2',
			API_KEY_CREATE_RATE_PER_MINUTE: '1',
			V1_MAX_BODY_BYTES: '4096'
		});
		const created = await server.ctx.auth.signup({ email: 'ann@example.com', password: 'password1', name: 'Ann' });
		if (!created.ok) throw new Error(created.error.message);
		ann = created.data;
	});
	afterAll(() => server?.close());

	it('limits signups per client address (SIGNUP_RATE_PER_MINUTE), on the API and the signup page alike', async () => {
		const account = (n: number) => json({ email: `new${n}@example.com`, password: 'password1', name: `New ${n}` });
		const spammer = { address: '198.51.100.1' };
		expect((await status(() => signup(event(server, 'POST', 'http://localhost/api/auth/signup', account(1), spammer)))).status).toBe(201);
		expect((await status(() => signup(event(server, 'POST', 'http://localhost/api/auth/signup', account(2), spammer)))).status).toBe(201);
		const refused = await status(() => signup(event(server, 'POST', 'http://localhost/api/auth/signup', account(3), spammer)));
		expect(refused.status).toBe(429);
		expect(refused.body).toEqual({
			code: 'rate_limited',
			message: expect.stringMatching(/signups from this address \(SIGNUP_RATE_PER_MINUTE: 2 per minute\)/)
		});
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(await server.ctx.db.selectFrom('users').select('id').where('email', '=', 'new3@example.com').executeTakeFirst()).toBeUndefined();

		// The form shares the bucket.
		const form = new URLSearchParams({ email: 'new4@example.com', password: 'password1', name: 'New 4' });
		const page = event(server, 'POST', 'http://localhost/signup', form, spammer, { 'content-type': 'application/x-www-form-urlencoded' });
		const failure = await signupPage.default(page);
		expect(isActionFailure(failure) && failure.status).toBe(429);
		expect(isActionFailure(failure) && (failure.data as unknown as { errors: { form: string } }).errors.form).toMatch(
			/SIGNUP_RATE_PER_MINUTE/
		);

		// Another address is not affected.
		const elsewhere = event(
			server,
			'POST',
			'http://localhost/signup',
			new URLSearchParams({ email: 'new5@example.com', password: 'password1', name: 'New 5' }),
			{ address: '192.0.2.9' },
			{ 'content-type': 'application/x-www-form-urlencoded' }
		);
		await expect(signupPage.default(elsewhere)).rejects.toSatisfy(isRedirect);
	});

	it('limits room creation (ROOM_CREATE_RATE_PER_MINUTE) and API key creation (API_KEY_CREATE_RATE_PER_MINUTE) per user', async () => {
		const room = () =>
			status(() =>
				createRoom(event(server, 'POST', 'http://localhost/api/rooms', json({ name: 'Spam', visibility: 'public' }), { user: ann }))
			);
		expect([(await room()).status, (await room()).status]).toEqual([201, 201]);
		const third = await room();
		expect(third.status).toBe(429);
		expect(third.body).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/ROOM_CREATE_RATE_PER_MINUTE: 2 per minute/) });

		const key = () =>
			status(() => createKey(event(server, 'POST', 'http://localhost/api/keys', json({ name: 'script' }), { user: ann, session: true })));
		expect((await key()).status).toBe(201);
		const second = await key();
		expect(second.status).toBe(429);
		expect(second.body).toMatchObject({
			code: 'rate_limited',
			message: expect.stringMatching(/API_KEY_CREATE_RATE_PER_MINUTE: 1 per minute/)
		});
	});

	it('pages the public rooms of GET /api/rooms and refuses a bad cursor', async () => {
		const bob = await server.ctx.auth.signup({ email: 'bob@example.com', password: 'password1', name: 'Bob' });
		if (!bob.ok) throw new Error(bob.error.message);
		for (const name of ['Older', 'Newer']) await server.ctx.rooms.create(ann, { name, visibility: 'public' });
		const list = (query: string) =>
			status(() => listRooms(event(server, 'GET', `http://localhost/api/rooms${query}`, null, { user: bob.data })));
		const first = (await list('?limit=1')).body as { rooms: { id: string }[]; nextPublicBefore: string };
		expect(first.rooms).toHaveLength(1);
		const second = (await list(`?limit=1&publicBefore=${first.nextPublicBefore}`)).body as {
			rooms: { id: string }[];
			nextPublicBefore: string | null;
		};
		expect(second.rooms).toHaveLength(1);
		expect(second.rooms[0].id).not.toBe(first.rooms[0].id);
		expect((await list('?publicBefore=yesterday')).status).toBe(400);
		expect((await list('?limit=5000')).status).toBe(400);
	});

	it('limits /v1 bodies (V1_MAX_BODY_BYTES) with an OpenAI-shaped 413, declared length or not', async () => {
		const big = json({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
		const expected = {
			status: 413,
			body: {
				error: {
					message: expect.stringMatching(/larger than 4096 bytes \(V1_MAX_BODY_BYTES\)/),
					type: 'invalid_request_error',
					code: 'request_too_large',
					param: null
				}
			}
		};
		const declared = await status(() =>
			v1Chat(event(server, 'POST', 'http://localhost/v1/chat/completions', big, { user: ann }, { 'content-length': String(big.length) }))
		);
		expect(declared).toMatchObject(expected);
		const bytes = new TextEncoder().encode(big);
		const streamed = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let at = 0; at < bytes.length; at += 1000) controller.enqueue(bytes.slice(at, at + 1000));
				controller.close();
			}
		});
		expect(
			await status(() => v1Chat(event(server, 'POST', 'http://localhost/v1/chat/completions', streamed, { user: ann })))
		).toMatchObject(expected);
		// Under the limit the body is read and validated as before.
		const small = await status(() =>
			v1Chat(event(server, 'POST', 'http://localhost/v1/chat/completions', json({ model: 'auto', messages: [] }), { user: ann }))
		);
		expect(small.status).toBe(400);
	});
});
