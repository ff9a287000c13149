// A real cluster on loopback for tests: web nodes and inference workers as separate OS processes, sharing a fresh
// PostgreSQL database and a private redis-server (so a test may restart Redis without touching anyone else's).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { createClient, type RedisClientType } from 'redis';
import { freshDatabase, type TestDatabase } from './databases';
import { MODELS_DIR } from './models';

export interface ClusterProcess {
	name: string;
	child: ChildProcess;
	/** Lines it printed on stdout, in order. */
	lines: string[];
	/** The last lines it printed on stderr (also passed through to the test's stderr). */
	errors: string[];
	exited: Promise<number | null>;
	kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface WebNode extends ClusterProcess {
	url: string;
}

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const port = (server.address() as net.AddressInfo).port;
	await new Promise((r) => server.close(r));
	return port;
}

function startProcess(name: string, command: string, args: string[], env: Record<string, string>): ClusterProcess {
	const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	const lines: string[] = [];
	const errors: string[] = [];
	createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
	createInterface({ input: child.stderr! }).on('line', (line) => {
		process.stderr.write(`[${name}] ${line}\n`);
		errors.push(line);
		if (errors.length > 40) errors.shift();
	});
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return {
		name,
		child,
		lines,
		errors,
		exited,
		async kill(signal = 'SIGKILL') {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			// A graceful stop gets a few seconds, then it is killed.
			const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
			await exited;
			clearTimeout(force);
		}
	};
}

/** Resolves when `check` returns a value (polled), or rejects after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(
	what: string,
	check: () => T | undefined | Promise<T | undefined>,
	timeoutMs = 30_000,
	everyMs = 50
): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

/** `waitFor`, but failing at once, with the end of its stderr, if the process exits first (a crash at start-up). */
function waitForProcess<T>(
	p: ClusterProcess,
	what: string,
	check: () => T | undefined | Promise<T | undefined>,
	timeoutMs: number,
	everyMs = 50
) {
	return waitFor(
		what,
		async () => {
			const value = await check();
			if (value !== undefined && value !== false) return value;
			if (p.child.exitCode !== null || p.child.signalCode !== null)
				throw new Error(`${p.name} exited (${p.child.exitCode ?? p.child.signalCode}) before ${what}:\n${p.errors.join('\n')}`);
			return undefined;
		},
		timeoutMs,
		everyMs
	);
}

export async function startCluster(options: { env?: Record<string, string> } = {}) {
	const database: TestDatabase = await freshDatabase('postgres');
	const redisPort = await freePort();
	const processes: ClusterProcess[] = [];
	let redis = startRedis();

	function startRedis(): ClusterProcess {
		const p = startProcess(
			'redis',
			'redis-server',
			['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
			{}
		);
		processes.push(p);
		return p;
	}
	const redisUrl = `redis://127.0.0.1:${redisPort}`;
	await waitFor('redis-server', () => redis.lines.some((l) => l.includes('Ready to accept connections')) || undefined, 10_000);

	const env = (role: string, extra: Record<string, string> = {}): Record<string, string> => ({
		SWITCHYARD_ROLE: role,
		DATABASE_URL: (database.config as { url: string }).url,
		REDIS_URL: redisUrl,
		MODELS_DIR,
		GENERATE_MODELS: 'false',
		MODEL_RAM_BUDGET_MB: '512',
		WORKER_HEARTBEAT_MS: '300',
		RUN_LOCK_MS: '1500',
		TELEMETRY_INTERVAL_MS: '1000',
		LOG_LEVEL: 'warn',
		// Covered by tests/integration/model-load-check.test.ts; here it would add a child process per worker.
		MODEL_LOAD_CHECK: 'off',
		...options.env,
		...extra
	});

	const webs: WebNode[] = [];
	let registry: RedisClientType | undefined;
	const registryClient = async () => {
		if (!registry) {
			registry = createClient({ url: redisUrl, socket: { reconnectStrategy: () => 100 } });
			registry.on('error', () => {}); // a restart of the private Redis: it reconnects
			await registry.connect();
		}
		return registry;
	};
	const cluster = {
		database,
		redisUrl,
		webs,
		processes,
		/**
		 * A web node: the test entry (app context and Socket.IO, no pages) by default; `sveltekit` runs the real
		 * production server (server/index.ts, which needs `npm run build` first) for browser tests.
		 */
		async startWeb(name: string, extra: Record<string, string> = {}, options: { sveltekit?: boolean } = {}): Promise<WebNode> {
			if (options.sveltekit) {
				const port = await freePort();
				const p = startProcess(
					name,
					process.execPath,
					['--import', 'tsx', 'server/index.ts'],
					env('web', { PORT: String(port), HOST: '127.0.0.1', ...extra })
				);
				processes.push(p);
				const url = `http://127.0.0.1:${port}`;
				await waitForProcess(
					p,
					`${name} to serve`,
					() =>
						fetch(`${url}/api/health`).then(
							(r) => r.ok || undefined,
							() => undefined
						),
					120_000,
					200
				);
				const node = { ...p, url };
				webs.push(node);
				return node;
			}
			const p = startProcess(name, process.execPath, ['--import', 'tsx', 'tests/helpers/cluster-node.ts'], env('web', extra));
			processes.push(p);
			const port = await waitForProcess(
				p,
				`${name} to listen`,
				() => p.lines.find((l) => l.startsWith('listening '))?.split(' ')[1],
				120_000
			);
			const node = { ...p, url: `http://127.0.0.1:${port}` };
			webs.push(node);
			return node;
		},
		async startWorker(id: string, extra: Record<string, string> = {}): Promise<ClusterProcess> {
			const p = startProcess(
				id,
				process.execPath,
				['--import', 'tsx', 'server/worker.ts'],
				env('worker', { WORKER_ID: id, PORT: '0', ...extra })
			);
			processes.push(p);
			await waitForProcess(
				p,
				`worker ${id} to heartbeat`,
				async () => ((await cluster.workers()).some((w) => w.id === id) ? true : undefined),
				120_000,
				100
			);
			return p;
		},
		/** The live workers' states, read from the registry in Redis (as any node reads it). */
		async workers(): Promise<{ id: string; models: { id: string; state?: string }[] }[]> {
			const client = await registryClient();
			const ids = await client.sMembers('sy:workers');
			if (ids.length === 0) return [];
			const states = await client.mGet(ids.map((id) => `sy:worker:${id}`));
			return states.filter((s): s is string => s !== null).map((s) => JSON.parse(s));
		},
		async restartRedis() {
			await redis.kill('SIGKILL');
			redis = startRedis();
			await waitFor('redis-server again', () => redis.lines.some((l) => l.includes('Ready to accept connections')) || undefined, 10_000);
		},
		async post<T>(path: string, body: unknown, web = webs[0]): Promise<T> {
			const res = await fetch(`${web.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
			if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
			return res.json() as Promise<T>;
		},
		async run(runId: string, web = webs.find((w) => w.child.exitCode === null && w.child.signalCode === null)!) {
			return (await fetch(`${web.url}/__test/run/${runId}`)).json() as Promise<{
				run: { status: string } | null;
				events: { seq: number; type: string; data: Record<string, unknown> }[];
			}>;
		},
		async close() {
			await registry?.close().catch(() => {});
			await Promise.all(processes.filter((p) => p !== redis).map((p) => p.kill('SIGTERM').catch(() => {})));
			await redis.kill('SIGKILL');
			await database.drop();
		}
	};
	return cluster;
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;
