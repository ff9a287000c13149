import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs: JSON in production, pretty in development. Child loggers carry runId/roomId/userId.
 * Secrets never reach a log line: the redact paths cover the places they could appear.
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
	const level = options.level ?? 'info';
	const redact = {
		paths: [
			'password',
			'*.password',
			'token',
			'*.token',
			'key',
			'*.key',
			'cookie',
			'*.cookie',
			'headers.cookie',
			'headers.authorization',
			'authorization',
			'*.authorization'
		],
		censor: '[redacted]'
	};
	if (options.pretty) {
		return pino({ level, redact, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } });
	}
	return options.destination ? pino({ level, redact }, options.destination) : pino({ level, redact });
}

/** A logger that writes nothing: for tests and benchmarks. */
export function silentLogger(): Logger {
	return pino({ level: 'silent' });
}
