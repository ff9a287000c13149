// The ModelManager's guard asks this before llama.cpp reads a model file in the server process (an estimate or a
// load): a file that crashed or failed its supervised check is quarantined, and the caller gets the quarantine error.
import type { ModelSpec } from '../loader';
import { quarantinedError } from '../load-guard';
import { ModelError } from '../model-errors';
import type { QuarantineStore } from '../quarantine';
import type { LoadChecker } from './checker';

export function vetWith(checker: LoadChecker, quarantine: QuarantineStore): (spec: ModelSpec) => Promise<void> {
	return async (spec) => {
		const verdict = await checker.check({
			path: spec.path,
			contextSize: spec.contextSize,
			threads: spec.threads,
			gpuLayers: spec.gpuLayers,
			parallelism: spec.parallelism
		});
		if (verdict.ok) return;
		if (verdict.cause === 'inconclusive') throw new ModelError('load_failed', `Model ${spec.id} was not loaded: ${verdict.reason}`);
		await quarantine.add(spec.id, spec.path, verdict.cause, verdict.reason);
		throw quarantinedError(spec.id, verdict.reason);
	};
}
