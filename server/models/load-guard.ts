// What the ModelManager asks before and around each load, so a bad model file is tried once, not on every run, and
// a crash inside llama.cpp is noticed at the next start (server/models/quarantine.ts keeps the records).
import type { LoadedModel, ModelLoader, ModelSpec } from './loader';
import { ModelError } from './model-errors';

export interface LoadGuard {
	/** Why the model must not be loaded (its quarantine reason), or undefined. */
	blocked(modelId: string): string | undefined;
	/** Records durably that llama.cpp is about to load the model; rejects when that cannot be recorded. */
	loading(spec: ModelSpec): Promise<void>;
	/** The load succeeded. Never rejects. */
	loaded(spec: ModelSpec): Promise<void>;
	/** The file failed its checks or llama.cpp refused it: quarantine it. Never rejects. */
	failed(spec: ModelSpec, error: ModelError): Promise<void>;
}

export function quarantinedError(modelId: string, reason: string): ModelError {
	return new ModelError('quarantined', `Model ${modelId} is quarantined: ${reason}. An admin can clear the quarantine on the admin page once the file is fixed or replaced.`);
}

export function toLoadError(modelId: string, err: unknown): ModelError {
	return err instanceof ModelError ? err : new ModelError('load_failed', `Model ${modelId} failed to load: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Loads between the guard's records: marked before llama.cpp is called, quarantined when the load fails. */
export async function guardedLoad(loader: ModelLoader, spec: ModelSpec, guard: LoadGuard | undefined): Promise<LoadedModel> {
	if (guard) {
		try {
			await guard.loading(spec);
		} catch (err) {
			// Loading unrecorded would let a crash in llama.cpp repeat after every restart.
			const why = err instanceof Error ? err.message : String(err);
			throw new ModelError('load_failed', `Model ${spec.id} was not loaded: the start of its load could not be recorded (${why})`, { cause: err });
		}
	}
	let loaded: LoadedModel;
	try {
		loaded = await loader.load(spec);
	} catch (err) {
		const error = toLoadError(spec.id, err);
		await guard?.failed(spec, error);
		throw error;
	}
	await guard?.loaded(spec);
	return loaded;
}
