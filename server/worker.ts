// Inference worker entry (`npm run worker`, SWITCHYARD_ROLE=worker): the model cache and its BullMQ queue, a
// heartbeat to Redis, and one small HTTP endpoint for probes. No SvelteKit, no Socket.IO.
import http from 'node:http';
import { createAppContext } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { manageProcess } from './process-lifecycle';

async function main() {
	const config = loadConfig({ SWITCHYARD_ROLE: 'worker', ...process.env });
	if (config.cluster.role !== 'worker') throw new ConfigError(`npm run worker runs a worker: SWITCHYARD_ROLE is ${config.cluster.role}`);
	const logger = createLogger(config.log);
	const ctx = await createAppContext(config, logger);

	// GET /api/health: 200 while serving; GET /api/ready: 200 when the database, the models folder and Redis answer.
	const server = http.createServer((req, res) => {
		if (req.method === 'GET' && req.url === '/api/health') {
			res
				.writeHead(200, { 'content-type': 'application/json' })
				.end(JSON.stringify({ ok: true, role: 'worker', workerId: config.cluster.workerId }));
			return;
		}
		if (req.method !== 'GET' || req.url !== '/api/ready') {
			res.writeHead(404).end();
			return;
		}
		void ctx.readiness().then((checks) => {
			const ok = checks.every((c) => c.ok);
			res
				.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
				.end(JSON.stringify({ ok, role: 'worker', workerId: config.cluster.workerId, checks }));
		});
	});
	server.on('error', (err: NodeJS.ErrnoException) => {
		logger.fatal({ err }, err.code === 'EADDRINUSE' ? `Port ${config.port} is already in use (set PORT)` : 'HTTP server error');
		process.exit(1);
	});
	server.listen(config.port, config.host, () =>
		logger.info({ port: config.port, workerId: config.cluster.workerId }, 'inference worker ready')
	);

	manageProcess(logger, async () => {
		server.close();
		await ctx.close(); // leaves the registry at once; answers in flight go back to their drivers, which retry elsewhere
	});
}

main().catch((err) => {
	console.error(`Switchyard worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
	process.exit(1);
});
