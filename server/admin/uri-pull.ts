// Pulling a model file that is not in the catalogue (an hf: URI or an https URL) with the catalogue's own path
// rules: a plain `.gguf` file name (no folders, nothing outside the models folder), a model id made from it that no
// other model has. Files land in <models>/pulled/, which discovery reads like any folder of the models directory.
import path from 'node:path';
import { pullFileName } from '../../src/lib/contract/admin';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import { modelIdFromFile } from '../models/gguf/inspect';

export const PULLED_DIR = 'pulled';

export interface UriPullPlan {
	modelId: string;
	fileName: string;
	dirPath: string;
}

export function planUriPull(uri: string, modelsDir: string, takenIds: ReadonlySet<string>): Result<UriPullPlan> {
	const fileName = pullFileName(uri);
	// The same rule as a catalogue entry's fileName: one plain file name ending in .gguf.
	if (!/^[\w.-]+\.gguf$/i.test(fileName) || fileName.startsWith('.'))
		return fail('bad_request', `"${fileName}" is not a plain .gguf file name`);
	const modelId = modelIdFromFile(fileName);
	if (takenIds.has(modelId))
		return fail('conflict', `A model named ${modelId} is already here; pull it from the catalogue or remove it first`);
	const dirPath = path.join(modelsDir, PULLED_DIR);
	if (!path.resolve(dirPath, fileName).startsWith(path.resolve(modelsDir) + path.sep))
		return fail('bad_request', 'The file would land outside the models folder');
	return ok({ modelId, fileName, dirPath });
}
