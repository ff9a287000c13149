import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getLlama, type Llama } from 'node-llama-cpp';
import { ensureGeneratedModels } from '../../server/models/generator/generate';
import type { ModelSpec } from '../../server/models/loader';
import { repoRoot } from '../../server/models/paths';

export const MODELS_DIR = path.join(repoRoot, 'models');
export const GENERATED = ['sy-tiny', 'sy-chat-small', 'sy-code', 'sy-reason'] as const;

let llama: Promise<Llama> | undefined;

/** One CPU llama.cpp binding per test process (never builds or downloads). */
export function testLlama(): Promise<Llama> {
	llama ??= getLlama({ build: 'never', gpu: false });
	return llama;
}

/** Makes sure the generated models exist (a no-op when they do) and returns their specs. */
export async function generatedSpecs(overrides: Partial<ModelSpec> = {}): Promise<Record<string, ModelSpec>> {
	await ensureGeneratedModels(MODELS_DIR);
	return Object.fromEntries(
		GENERATED.map((id) => [
			id,
			{
				id,
				path: path.join(MODELS_DIR, 'generated', `${id}.gguf`),
				contextSize: 1024,
				threads: 1,
				gpuLayers: 0,
				parallelism: 2,
				...overrides
			}
		])
	);
}

/** A file that is not a GGUF, to prove bad files are rejected without crashing the process. */
export async function brokenModelFile(): Promise<string> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'sy-bad-'));
	const file = path.join(dir, 'broken.gguf');
	await writeFile(file, Buffer.from('GGUF\x03\x00\x00\x00 this is not really a model'));
	return file;
}
