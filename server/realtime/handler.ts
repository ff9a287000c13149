import type { z } from 'zod';
import { fail, type Result } from '../../src/lib/contract/result';
import { describeZodError } from '../../src/lib/contract/zod-error';
import type { Logger } from '../logger';

/**
 * Wraps a socket event handler: checks that an ack callback was sent, validates the payload with zod, and turns
 * thrown errors into an `internal` error ack (details go to the log, never to the client).
 */
export function handler<S extends z.ZodType, T>(log: Logger, event: string, schema: S, run: (payload: z.output<S>) => Promise<Result<T>>) {
	return async (payload: unknown, ack?: unknown) => {
		if (typeof ack !== 'function') return; // a client that cannot hear an answer gets none
		const respond = ack as (result: Result<T>) => void;
		const parsed = schema.safeParse(payload);
		if (!parsed.success) {
			respond(fail('bad_request', `Invalid ${event} payload: ${describeZodError(parsed.error, 'payload')}`));
			return;
		}
		try {
			respond(await run(parsed.data));
		} catch (err) {
			log.error({ err, event }, 'socket handler failed');
			respond(fail('internal', 'Something went wrong on the server'));
		}
	};
}
