import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's location (server/models/paths.ts). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where the training text for generated models lives (committed, so builds are reproducible). */
export const defaultCorpusDir = path.join(repoRoot, 'models', 'corpus');

/** MODELS_DIR (the same variable server/config.ts reads), else the repository's models/ folder. */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
	return path.resolve(env.MODELS_DIR ?? path.join(repoRoot, 'models'));
}

export function generatedModelPath(modelsDir: string, id: string): string {
	return path.join(modelsDir, 'generated', `${id}.gguf`);
}
