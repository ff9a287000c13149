import type { Server } from 'node:http';
import type { AppContext } from '../app';
import { createApplication, type RealtimeDeps } from './socket-hub';

/** Attaches Socket.IO for an app context: the one call every entry (production, dev, tests) makes. */
export function attachRealtime(httpServer: Server, ctx: AppContext, extra: Partial<RealtimeDeps> = {}) {
	ctx.realtime = createApplication(httpServer, {
		auth: ctx.auth,
		rooms: ctx.rooms,
		yjs: ctx.yjs,
		logger: ctx.logger,
		runsService: ctx.runsService,
		admin: { service: ctx.admin, manager: ctx.models.manager, cluster: ctx.cluster },
		origin: ctx.config.origin,
		host: ctx.config.host,
		live: { bus: ctx.bus, orchestrator: ctx.orchestrator, runs: ctx.runs, activity: ctx.activity, sampler: ctx.observability.sampler },
		sockets: ctx.config.sockets,
		webTier: ctx.webTier,
		...extra,
		// The environment's limits (YJS_*), with any a caller (a test) sets on top.
		yjsLimits: { ...ctx.config.yjs, ...extra.yjsLimits }
	});
	return ctx.realtime;
}
