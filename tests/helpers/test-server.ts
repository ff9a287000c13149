import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/lib/contract/events';
import { createAppContext, type AppContext } from '../../server/app';
import { loadConfig } from '../../server/config';
import { silentLogger } from '../../server/logger';
import { attachRealtime } from '../../server/hub/attach';
import type { YjsDocStoreOptions } from '../../server/yjs/doc-store';
import type { YjsLimits } from '../../server/yjs/limits';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
	ctx: AppContext;
	url: string;
	/** Signs a user up and returns a session cookie header and an API key for them. */
	user(name: string): Promise<{ id: string; cookie: string; apiKey: string; sessionId: string }>;
	/** `host` overrides the Host header (as a browser sends it for the name it connected to). */
	client(opts: { cookie?: string; token?: string; origin?: string; host?: string }): TestClient;
	close(): Promise<void>;
}

/** A real HTTP server with the real Socket.IO setup and a real (in-memory SQLite) database on an ephemeral port. */
export async function startTestServer(
	env: Record<string, string> = {},
	options: { yjs?: YjsDocStoreOptions; yjsLimits?: Partial<YjsLimits> } = {}
): Promise<TestServer> {
	// MODEL_LOAD_CHECK off unless a test asks for it (tests/integration/model-load-check.test.ts): the supervised
	// check would add a child process per test file.
	const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', MODEL_LOAD_CHECK: 'off', ...env });
	const ctx = await createAppContext(config, silentLogger(), { yjs: options.yjs });
	const server = http.createServer((_req, res) => res.writeHead(404).end());
	attachRealtime(server, ctx, { yjsLimits: options.yjsLimits });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const clients: TestClient[] = [];

	return {
		ctx,
		url,
		async user(name) {
			const created = await ctx.auth.signup({ email: `${name.toLowerCase()}@example.com`, password: 'password1', name });
			if (!created.ok) throw new Error(created.error.message);
			const { token, session } = await ctx.auth.createSession(created.data.id);
			const { key } = await ctx.auth.createApiKey(created.data.id, 'test');
			return { id: created.data.id, cookie: `sy_session=${token}`, apiKey: key, sessionId: session.id };
		},
		client({ cookie, token, origin, host }) {
			const headers: Record<string, string> = {};
			if (cookie) headers.cookie = cookie;
			if (origin) headers.origin = origin;
			if (host) headers.host = host;
			const socket: TestClient = ioClient(url, {
				transports: ['websocket'],
				extraHeaders: headers,
				auth: token ? { token } : {},
				reconnection: false,
				forceNew: true
			});
			clients.push(socket);
			return socket;
		},
		async close() {
			for (const c of clients) c.disconnect();
			await ctx.close();
		}
	};
}

/** Resolves when the socket connects; rejects with the server's connect_error message. */
export function connected(socket: TestClient): Promise<void> {
	return new Promise((resolve, reject) => {
		socket.once('connect', () => resolve());
		socket.once('connect_error', (err) => reject(err));
	});
}

/** The next event of a kind that satisfies `predicate`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
	socket: TestClient,
	event: E,
	predicate: (...args: Parameters<ServerToClientEvents[E]>) => boolean = () => true,
	timeoutMs = 5000
): Promise<Parameters<ServerToClientEvents[E]>> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(event)}`)), timeoutMs);
		const listener = (...args: Parameters<ServerToClientEvents[E]>) => {
			if (!predicate(...args)) return;
			clearTimeout(timer);
			socket.off(event, listener as never);
			resolve(args);
		};
		socket.on(event, listener as never);
	});
}
