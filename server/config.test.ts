import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
	it('defaults to SQLite under data/ on port 3000', () => {
		const c = loadConfig({});
		expect(c.port).toBe(3000);
		expect(c.database).toEqual({ kind: 'sqlite', file: 'data/switchyard.db' });
		expect(c.admin).toBeUndefined();
	});

	it('picks PostgreSQL from a postgres URL and SQLite from a sqlite: URL', () => {
		expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
		expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).database).toEqual({ kind: 'sqlite', file: '/tmp/x.db' });
	});

	it('names the variable that is wrong', () => {
		expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
		expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
		expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
		expect(() => loadConfig({ ADMIN_EMAIL: 'a@b.co' })).toThrow(/ADMIN_PASSWORD/);
		expect(() => loadConfig({ ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD.*8/);
	});

	it('seeds the admin in lower case and secures cookies behind an https ORIGIN', () => {
		const c = loadConfig({ ADMIN_EMAIL: 'Boss@Example.com', ADMIN_PASSWORD: 'long enough', ORIGIN: 'https://sy.example.com/' });
		expect(c.admin).toEqual({ email: 'boss@example.com', password: 'long enough' });
		expect(c.origin).toBe('https://sy.example.com');
		expect(c.secureCookies).toBe(true);
	});

	it('takes every limit from the environment, with defaults', () => {
		const c = loadConfig({});
		expect(c.rateLimits).toEqual({
			loginPerMinute: 10,
			loginAddressPerMinute: 30,
			signupPerMinute: 5,
			roomCreatePerMinute: 10,
			apiKeyCreatePerMinute: 5,
			roomJoinPerMinute: 60,
			runReplayPerMinute: 120
		});
		expect(c.yjs).toEqual({
			maxDocBytes: 1_048_576,
			maxMessageBytes: 65_536,
			maxAwarenessBytes: 8192,
			syncMessagesPerSecond: 60,
			awarenessMessagesPerSecond: 30
		});
		expect(c.sockets).toEqual({ maxConnectionsPerUser: 20, maxBufferBytes: 1_000_000 });
		expect(c.v1MaxBodyBytes).toBe(262_144);

		const set = loadConfig({
			SIGNUP_RATE_PER_MINUTE: '1',
			YJS_MAX_DOC_BYTES: '2048',
			SOCKET_MAX_CONNECTIONS_PER_USER: '3',
			V1_MAX_BODY_BYTES: '4096'
		});
		expect([set.rateLimits.signupPerMinute, set.yjs.maxDocBytes, set.sockets.maxConnectionsPerUser, set.v1MaxBodyBytes]).toEqual([
			1, 2048, 3, 4096
		]);
	});

	it('refuses a bad limit at start-up, naming it', () => {
		expect(() => loadConfig({ ROOM_JOIN_RATE_PER_MINUTE: '0' })).toThrow(/ROOM_JOIN_RATE_PER_MINUTE/);
		expect(() => loadConfig({ YJS_MAX_DOC_BYTES: 'lots' })).toThrow(/YJS_MAX_DOC_BYTES/);
		expect(() => loadConfig({ V1_MAX_BODY_BYTES: '-1' })).toThrow(/V1_MAX_BODY_BYTES/);
		// A Yjs message larger than the socket buffer would close the connection instead of getting too_large.
		expect(() => loadConfig({ SOCKET_MAX_BUFFER_BYTES: '32768' })).toThrow(
			/YJS_MAX_MESSAGE_BYTES \(65536\) must not exceed SOCKET_MAX_BUFFER_BYTES \(32768\)/
		);
	});
	it('runs as one process without Redis, and refuses a cluster role or SQLite with Redis', () => {
		const single = loadConfig({});
		expect(single.cluster.role).toBe('all');
		expect(single.cluster.redis).toBeUndefined();
		expect(() => loadConfig({ SWITCHYARD_ROLE: 'worker' })).toThrow(/SWITCHYARD_ROLE=worker needs REDIS_URL/);
		expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL needs DATABASE_URL=postgres/);
		expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
		expect(() => loadConfig({ SWITCHYARD_ROLE: 'gpu' })).toThrow(/SWITCHYARD_ROLE/);
		const web = loadConfig({
			SWITCHYARD_ROLE: 'web',
			REDIS_URL: 'redis://127.0.0.1:6379/3',
			DATABASE_URL: 'postgres://u@h/db',
			WORKER_ID: 'w-1'
		});
		expect(web.cluster).toEqual({
			role: 'web',
			redis: { url: 'redis://127.0.0.1:6379/3', prefix: 'sy' },
			workerId: 'w-1',
			heartbeatMs: 1000,
			runLockMs: 30_000
		});
	});

	it('checks new model files in a supervised child by default, and refuses anything but child or off', () => {
		expect(loadConfig({}).models.loadCheck).toBe('child');
		expect(loadConfig({ MODEL_LOAD_CHECK: 'off' }).models.loadCheck).toBe('off');
		expect(() => loadConfig({ MODEL_LOAD_CHECK: 'yes' })).toThrow(
			'Invalid configuration — MODEL_LOAD_CHECK: must be child (open each new model file in a supervised child process before the server loads it) or off'
		);
	});
});
