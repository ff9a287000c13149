import type { Logger } from './logger';

/**
 * What every entry (web server, worker) does with its process: log faults and keep serving, and on SIGTERM/SIGINT
 * run `close` once, bounded by 10 s, then exit.
 */
export function manageProcess(logger: Logger, close: () => Promise<void>): void {
	let closing = false;
	const shutdown = async (signal: string) => {
		if (closing) return;
		closing = true;
		logger.info({ signal }, 'shutting down');
		const force = setTimeout(() => process.exit(1), 10_000).unref();
		await close();
		clearTimeout(force);
		process.exit(0);
	};
	// A fault in one run or one request must not take every room down: log it and keep serving. The causes found so
	// far are fixed at their source; these handlers are the last line, and each hit is an error in the log.
	process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection (kept running)'));
	process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception (kept running)'));
	process.on('SIGTERM', () => void shutdown('SIGTERM'));
	process.on('SIGINT', () => void shutdown('SIGINT'));
}
