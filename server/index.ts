// Production entry: config → app context → one HTTP server for SvelteKit's handler and Socket.IO.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createAppContext } from './app';
import { registerAppContext } from './app-registry';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { attachRealtime } from './hub/attach';
import { manageProcess } from './process-lifecycle';

const PROTOCOL_HEADER = 'x-switchyard-protocol';

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

async function main() {
	const config = loadConfig();
	const logger = createLogger(config.log);
	const handlerPath = fileURLToPath(new URL('../build/handler.js', import.meta.url));
	if (!existsSync(handlerPath)) throw new ConfigError(`No SvelteKit build at ${handlerPath}: run \`npm run build\` first`);

	const ctx = await createAppContext(config, logger);
	registerAppContext(ctx);
	// adapter-node assumes https when neither ORIGIN nor a protocol header is given, which breaks SvelteKit's CSRF
	// check on plain http. We tell it the real protocol through a header only this server sets.
	if (!config.origin) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
	const { handler } = (await import(handlerPath)) as { handler: NodeHandler };

	const server = http.createServer((req, res) => {
		req.headers[PROTOCOL_HEADER] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
		handler(req, res, () => {
			res.statusCode = 404;
			res.end('Not found');
		});
	});
	attachRealtime(server, ctx);
	ctx.observability.sampler.start();

	server.on('error', (err: NodeJS.ErrnoException) => {
		logger.fatal({ err }, err.code === 'EADDRINUSE' ? `Port ${config.port} is already in use (set PORT)` : 'HTTP server error');
		process.exit(1);
	});
	server.listen(config.port, config.host, () => {
		const address = server.address();
		const port = typeof address === 'object' && address ? address.port : config.port;
		logger.info({ port }, `Switchyard is listening on http://localhost:${port}`);
		if (!config.admin) logger.info('No ADMIN_EMAIL set: the first account you sign up becomes the admin.');
	});

	manageProcess(logger, async () => {
		server.closeIdleConnections();
		await ctx.close(); // closes Socket.IO (and with it the HTTP server), then the database
	});
}

main().catch((err) => {
	const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
	console.error(`Switchyard failed to start: ${message}`);
	process.exit(1);
});
