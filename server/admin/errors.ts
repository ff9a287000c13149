import { fail, type AppError, type ErrorCode } from '../../src/lib/contract/result';
import { ModelError, type ModelErrorCode } from '../models/model-errors';

const codes: Record<ModelErrorCode, ErrorCode> = {
	unknown_model: 'not_found',
	invalid_file: 'conflict',
	too_large: 'conflict',
	budget_busy: 'conflict',
	queue_full: 'conflict',
	load_failed: 'internal',
	quarantined: 'conflict',
	aborted: 'conflict',
	bad_request: 'bad_request'
};

/** A model-layer failure as an API error (its message is written for people); anything else is rethrown. */
export function modelFailure(err: unknown): { ok: false; error: AppError } {
	if (err instanceof ModelError) return fail(codes[err.code], err.message);
	throw err;
}
