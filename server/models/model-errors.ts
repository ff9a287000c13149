export type ModelErrorCode =
	| 'unknown_model' // not in the catalogue, or its file is missing
	| 'invalid_file' // the GGUF failed validation
	| 'too_large' // cannot fit in the budget even alone
	| 'budget_busy' // would fit, but the models in the way are in use or pinned
	| 'queue_full' // every sequence busy and the wait queue is full
	| 'load_failed' // every load strategy failed
	| 'quarantined' // the file failed before (or crashed the server while loading): not loaded again until cleared
	| 'aborted' // the caller gave up (AbortSignal)
	| 'bad_request'; // the request itself is unusable (e.g. no user message)

/** A model-layer failure with a code callers can branch on and a message fit for users. */
export class ModelError extends Error {
	override readonly name = 'ModelError';
	constructor(
		readonly code: ModelErrorCode,
		message: string,
		options?: { cause?: unknown }
	) {
		super(message, options);
	}
}

export { formatBytes } from '../../src/lib/contract/format';
