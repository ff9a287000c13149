// What the ModelManager asks around every call that hands a model file to llama.cpp (estimating its memory loads it
// natively too, with GgufInsights' simulation), so a bad file is tried once, not on every run, and a crash inside
// llama.cpp is noticed at the next start (server/models/quarantine.ts keeps the records).
import type { ModelSpec } from './loader';
import { ModelError } from './model-errors';

export interface LoadGuard {
	/** Why the model must not be loaded (its quarantine reason), or undefined. */
	blocked(modelId: string): string | undefined;
	/**
	 * Opens a file llama.cpp has not opened here before in a supervised child process first
	 * (server/models/load-check/); rejects, with the quarantine error when the child crashed, if the file may not be
	 * read in this process. Absent with MODEL_LOAD_CHECK=off.
	 */
	vet?(spec: ModelSpec): Promise<void>;
	/** Records durably that llama.cpp is about to read the model; rejects when that cannot be recorded. */
	begin(spec: ModelSpec): Promise<void>;
	/** llama.cpp is done with the model (whatever the outcome). Never rejects. */
	end(spec: ModelSpec): Promise<void>;
	/** The file failed its checks or llama.cpp refused it: quarantine it. Never rejects. */
	failed(spec: ModelSpec, error: ModelError): Promise<void>;
}

export function quarantinedError(modelId: string, reason: string): ModelError {
	return new ModelError(
		'quarantined',
		`Model ${modelId} is quarantined: ${reason}. An admin can clear the quarantine on the admin page once the file is fixed or replaced.`
	);
}

export function toLoadError(modelId: string, err: unknown): ModelError {
	return err instanceof ModelError
		? err
		: new ModelError('load_failed', `Model ${modelId} failed to load: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Runs `work` (an estimate or a load) after the guard's vetting, between its records; a failure quarantines the model. */
export async function guarded<T>(guard: LoadGuard | undefined, spec: ModelSpec, work: () => Promise<T>): Promise<T> {
	if (!guard) return work();
	await guard.vet?.(spec);
	try {
		await guard.begin(spec);
	} catch (err) {
		// Going ahead unrecorded would let a crash in llama.cpp repeat after every restart.
		const why = err instanceof Error ? err.message : String(err);
		throw new ModelError('load_failed', `Model ${spec.id} was not loaded: the start of its load could not be recorded (${why})`, {
			cause: err
		});
	}
	try {
		return await work();
	} catch (err) {
		const error = toLoadError(spec.id, err);
		await guard.failed(spec, error);
		throw error;
	} finally {
		await guard.end(spec);
	}
}
