// The generated models end to end: built into a temp folder, checked, loaded by the real node-llama-cpp, and
// asked a question. The answers must be words the model was trained on, not bytes or fragments.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getLlama, LlamaChatSession, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog';
import { loadCheckedModel } from '../load-checked';
import { defaultCorpusDir, repoRoot } from '../paths';
import { corpusToSegments } from './corpus';
import { ensureGeneratedModels, loadCorpus, type GeneratedModelResult } from './generate';
import { generatedModelSpecs } from './specs';

let modelsDir: string;
let built: GeneratedModelResult[];
let llama: Llama;
const lines: string[] = [];

beforeAll(async () => {
	modelsDir = await mkdtemp(path.join(os.tmpdir(), 'sy-generated-'));
	built = await ensureGeneratedModels(modelsDir, { log: (line) => lines.push(line) });
	llama = await getLlama({ build: 'never' });
});
afterAll(async () => rm(modelsDir, { recursive: true, force: true }));

describe('ensureGeneratedModels', () => {
	it('builds all four models, 1–10 MB each, and logs one line per model', async () => {
		expect(built.map((r) => [r.id, r.status])).toEqual(generatedModelSpecs.map((s) => [s.id, 'built']));
		for (const r of built) {
			expect(r.sizeBytes).toBeGreaterThan(1e6);
			expect(r.sizeBytes).toBeLessThan(10e6);
			expect((await stat(r.file)).size).toBe(r.sizeBytes);
		}
		expect(lines).toHaveLength(4);
		expect(lines[0]).toMatch(/^sy-tiny\s+built\s+\d+\.\d\d MB\s+\d+ ms/);
		// Different sizes and skills for the router to choose between.
		const size = (id: string) => built.find((r) => r.id === id)!.sizeBytes;
		expect(size('sy-tiny')).toBeLessThan(size('sy-chat-small'));
		expect(size('sy-chat-small')).toBeLessThan(size('sy-reason'));
	});

	it('skips up-to-date models and rebuilds on --force', async () => {
		const again = await ensureGeneratedModels(modelsDir);
		expect(again.map((r) => r.status)).toEqual(['up-to-date', 'up-to-date', 'up-to-date', 'up-to-date']);
		const forced = await ensureGeneratedModels(modelsDir, { force: true, ids: ['sy-tiny'] });
		expect(forced.map((r) => [r.id, r.status])).toEqual([['sy-tiny', 'built']]);
		await expect(ensureGeneratedModels(modelsDir, { ids: ['sy-huge'] })).rejects.toThrow(/Unknown generated model\(s\): sy-huge/);
	});

	it('matches what the catalogue says about each generated model', async () => {
		const catalog = await loadCatalog(path.join(repoRoot, 'models'));
		for (const r of built) {
			const entry = catalog.find((e) => e.id === r.id)!;
			const { info, model } = await loadCheckedModel(llama, { modelPath: r.file });
			await model.dispose();
			expect({
				id: r.id,
				params: info.parameterCount,
				label: info.parameterLabel,
				context: info.contextLength,
				quantization: info.quantization
			}).toEqual({
				id: entry.id,
				params: entry.parameters.count,
				label: entry.parameters.label,
				context: entry.contextSize,
				quantization: entry.quantization
			});
		}
	});
});

const questions: Record<string, string[]> = {
	'sy-tiny': ['What is a room?', 'How do runs work?', 'Why local models?', 'What is telemetry?'],
	'sy-chat-small': ['How do I add a model?', 'Can two people edit a prompt?', 'What does the router do?', 'Where are the logs?'],
	'sy-code': ['Write a function that reads a file.', 'Show me a loop.', 'Export a type.', 'Parse the arguments.'],
	'sy-reason': ['How much memory does a model need?', 'Why save a checkpoint?', 'What is 17 plus 25?', 'Which model is faster?']
};

async function trainingWords(id: string): Promise<Set<string>> {
	const spec = generatedModelSpecs.find((s) => s.id === id)!;
	const corpus = await loadCorpus(defaultCorpusDir, spec.corpora);
	const words = corpusToSegments(corpus, { keepNewlines: spec.keepNewlines })
		.flat()
		.map((u) => u.replace(/^▁/, ''));
	return new Set(words.filter((w) => /^[A-Za-z_$]/.test(w)));
}

describe.each(generatedModelSpecs.map((s) => s.id))('%s in node-llama-cpp', (id) => {
	it('answers in words from its training text', async () => {
		const { model } = await loadCheckedModel(llama, { modelPath: path.join(modelsDir, 'generated', `${id}.gguf`) });
		const context = await model.createContext({ contextSize: 1024, threads: 1 });
		try {
			const session = new LlamaChatSession({ contextSequence: context.getSequence(), systemPrompt: 'You are a helpful assistant.' });
			expect(session.chatWrapper.wrapperName).toBe('ChatML');
			const answers: string[] = [];
			// A bigram model starts every answer from the same state, so each question gets its own seed.
			for (const [i, question] of questions[id].entries())
				answers.push(await session.prompt(question, { maxTokens: 60, temperature: 0.8, seed: i + 1 }));
			const text = answers.join(' ');
			const words = text.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? [];
			expect(
				answers.every((a) => a.trim().length > 0),
				JSON.stringify(answers)
			).toBe(true);
			expect(words.length, text).toBeGreaterThanOrEqual(15);
			const vocabulary = await trainingWords(id);
			const known = words.filter((w) => vocabulary.has(w)).length;
			expect(known / words.length, text).toBeGreaterThanOrEqual(0.9);
			expect(text).not.toMatch(/<0x|<\|im_|▁|\uFFFD/); // no byte tokens, specials, raw space marks or broken UTF-8
			if (id === 'sy-code') expect(text).toMatch(/[(){};=]/);
		} finally {
			await context.dispose();
			await model.dispose();
		}
	});
});
