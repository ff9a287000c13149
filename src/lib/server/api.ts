import { error, json, type RequestEvent } from '@sveltejs/kit';
import type { z } from 'zod';
import { describeZodError } from '$contract/zod-error';
import { httpStatus, type AppError, type Result } from '$contract/result';
import { readTextWithin } from './body';
import type { PublicUser } from '../../../server/auth/users.repository';
import type { RateLimit } from '../../../server/rate-limits';

const MAX_JSON_BYTES = 64 * 1024;

/** REST error body: `{ code, message }` with the matching status, the same shape SvelteKit's error() produces. */
export function errorJson(err: AppError, headers?: Record<string, string>) {
	return json({ code: err.code, message: err.message }, { status: httpStatus[err.code], headers });
}

/** Turns a service Result into a response: 200 (or `status`) with the data, or the error's status. */
export function respond<T>(result: Result<T>, status = 200) {
	return result.ok ? json(result.data, { status }) : errorJson(result.error);
}

export function requireUser(event: RequestEvent): PublicUser {
	if (!event.locals.user) {
		error(401, { message: 'Sign in or send an API key (Authorization: Bearer sy_…)', code: 'unauthenticated' });
	}
	return event.locals.user;
}

export function requireAdmin(event: RequestEvent): PublicUser {
	const user = requireUser(event);
	if (user.role !== 'admin') error(403, { message: 'Admins only', code: 'forbidden' });
	return user;
}

/** Reads and validates a JSON body; bad JSON, oversize bodies and schema failures become clear 4xx errors. */
export async function readJson<S extends z.ZodType>(event: RequestEvent, schema: S): Promise<z.output<S>> {
	const text = await readTextWithin(event.request, MAX_JSON_BYTES);
	if (text === null) error(413, { message: `Body larger than ${MAX_JSON_BYTES} bytes`, code: 'too_large' });
	let body: unknown;
	try {
		body = text ? JSON.parse(text) : {};
	} catch {
		error(400, { message: 'Body is not valid JSON', code: 'bad_request' });
	}
	const parsed = schema.safeParse(body);
	if (!parsed.success) {
		error(400, { message: describeZodError(parsed.error, 'body'), code: 'bad_request' });
	}
	return parsed.data;
}

/** Takes one token from a named limit (AppContext.limits): null while allowed, else the 429 to send, with Retry-After. */
export async function overLimit(limit: RateLimit, key: string): Promise<Response | null> {
	const taken = await limit.take(key);
	return taken.ok ? null : errorJson(taken.error, { 'retry-after': String(await limit.retryAfterSeconds(key)) });
}

/** A stable key for per-client rate limits. */
export function clientKey(event: RequestEvent): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}
