import type { Server } from 'node:http';
import { createAppContext } from './app';
import { registerAppContext, registeredAppContext } from './app-registry';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { attachRealtime } from './hub/attach';

/** Dev/preview counterpart of server/index.ts: same context, same Socket.IO attach, on Vite's HTTP server. */
export async function attachToViteServer(httpServer: Server, port: number): Promise<void> {
	if (registeredAppContext()) return; // config reloads re-run the plugin; keep the one context
	const config = loadConfig({ ...process.env, PORT: String(port) });
	const logger = createLogger(config.log);
	const ctx = await createAppContext(config, logger);
	registerAppContext(ctx);
	attachRealtime(httpServer, ctx);
	ctx.observability.sampler.start();
}
