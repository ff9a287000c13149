import type { Server } from 'node:http';
import { createAppContext, registerAppContext, registeredAppContext } from './app';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { createApplication } from './realtime/attach';

/** Dev/preview counterpart of server/index.ts: same context, same Socket.IO attach, on Vite's HTTP server. */
export async function attachToViteServer(httpServer: Server, port: number): Promise<void> {
	if (registeredAppContext()) return; // config reloads re-run the plugin; keep the one context
	const config = loadConfig({ ...process.env, PORT: String(port) });
	const logger = createLogger(config.log);
	const ctx = await createAppContext(config, logger);
	registerAppContext(ctx);
	ctx.realtime = createApplication(httpServer, { auth: ctx.auth, rooms: ctx.rooms, yjs: ctx.yjs, logger, origin: config.origin });
}
