// The one way to hand a GGUF file to llama.cpp: check its metadata first, because some malformed files make
// llama.cpp abort the whole process instead of throwing (see gguf/inspect.ts).
import type { Llama, LlamaModel, LlamaModelOptions } from 'node-llama-cpp';
import { inspectGguf, type GgufModelInfo } from './gguf/inspect';

export interface CheckedModel {
	model: LlamaModel;
	info: GgufModelInfo;
}

/** Rejects with a GgufValidationError (naming the file and the problem) before llama.cpp ever sees a bad file. */
export async function loadCheckedModel(llama: Llama, options: LlamaModelOptions): Promise<CheckedModel> {
	const info = await inspectGguf(options.modelPath);
	const model = await llama.loadModel(options);
	return { model, info };
}
