// The one result shape for every socket ack and every JSON error body: callers switch on `ok`.

export type ErrorCode =
	'bad_request' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'too_large' | 'internal';

export interface AppError {
	code: ErrorCode;
	message: string;
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: AppError };

export const ok = <T>(data: T): Result<T> => ({ ok: true, data });
export const fail = (code: ErrorCode, message: string): { ok: false; error: AppError } => ({
	ok: false,
	error: { code, message }
});

/** HTTP status for each error code, used by REST endpoints. */
export const httpStatus: Record<ErrorCode, number> = {
	bad_request: 400,
	unauthenticated: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	rate_limited: 429,
	too_large: 413,
	internal: 500
};
