// Builds the generated models into <modelsDir>/generated/. Run directly:
//   npx tsx server/models/generator/generate.ts [--force] [--models-dir DIR] [id…]
// or call ensureGeneratedModels() at start-up. A model is rebuilt only when its file is missing, invalid, or was
// built from a different spec, corpus or generator version (a hash of all three is stored in its metadata).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultCorpusDir, defaultModelsDir, generatedModelPath } from '../paths';
import { buildBigramModel, type BigramBuild } from './bigram';
import { checkGguf } from '../gguf/inspect';
import { generatedModelSpecs, type GeneratedModelSpec } from './specs';
import { encodeGguf, gguf } from './writer';

/** Bump when the recipe changes in a way that changes the bytes, so existing files are rebuilt. */
export const GENERATOR_VERSION = 1;
export const BUILD_HASH_KEY = 'switchyard.build_hash';

/** The source files that decide a generated model's bytes. */
const RECIPE_FILES = ['bigram.ts', 'corpus.ts', 'vocab.ts', 'svd.ts', 'prng.ts', 'writer.ts', 'float16.ts'];
let recipeFingerprint: Promise<string> | undefined;

/** Hash of the recipe's source, so editing it rebuilds the models even if nobody bumps GENERATOR_VERSION. */
function generatorFingerprint(): Promise<string> {
	recipeFingerprint ??= Promise.all(
		RECIPE_FILES.map((f) => readFile(new URL(f, import.meta.url), 'utf8').catch(() => '')) // absent when bundled
	).then((sources) => createHash('sha256').update(sources.join('\0')).digest('hex'));
	return recipeFingerprint;
}

export interface EnsureGeneratedModelsOptions {
	log?: (line: string) => void;
	/** Rebuild even when an up-to-date file exists. */
	force?: boolean;
	/** Only these ids (default: all). */
	ids?: readonly string[];
	corpusDir?: string;
	specs?: readonly GeneratedModelSpec[];
}

export interface GeneratedModelResult {
	id: string;
	file: string;
	status: 'built' | 'up-to-date';
	sizeBytes: number;
	ms: number;
	stats?: BigramBuild['stats'];
}

/** The training text of a spec: every file of each corpus folder, in name order. */
export async function loadCorpus(corpusDir: string, corpora: readonly string[]): Promise<string> {
	const parts: string[] = [];
	for (const corpus of corpora) {
		const dir = path.join(corpusDir, corpus);
		const files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
		if (files.length === 0) throw new Error(`Corpus folder ${dir} is empty`);
		for (const file of files) parts.push(await readFile(path.join(dir, file), 'utf8'));
	}
	return parts.join('\n\n');
}

export async function buildHash(spec: GeneratedModelSpec, corpus: string): Promise<string> {
	const recipe = await generatorFingerprint();
	return createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, recipe, spec })).update('\0').update(corpus).digest('hex');
}

/** The complete GGUF bytes of one generated model. Deterministic: same spec, corpus and recipe, same bytes. */
export async function buildGeneratedModel(
	spec: GeneratedModelSpec,
	corpus: string
): Promise<{ bytes: Buffer; stats: BigramBuild['stats'] }> {
	const build = buildBigramModel(spec, corpus, [
		[BUILD_HASH_KEY, gguf.string(await buildHash(spec, corpus))],
		['switchyard.generator_version', gguf.u32(GENERATOR_VERSION)]
	]);
	return { bytes: encodeGguf(build.file), stats: build.stats };
}

async function isUpToDate(file: string, hash: string): Promise<number | null> {
	const check = await checkGguf(file).catch(() => null);
	if (!check?.ok) return null;
	const stored = (check.info.metadata as { switchyard?: { build_hash?: unknown } }).switchyard?.build_hash;
	return stored === hash ? check.info.sizeBytes : null;
}

export async function ensureGeneratedModels(
	modelsDir: string,
	options: EnsureGeneratedModelsOptions = {}
): Promise<GeneratedModelResult[]> {
	const { log, force = false, corpusDir = defaultCorpusDir, specs = generatedModelSpecs } = options;
	const selected = options.ids ? specs.filter((s) => options.ids!.includes(s.id)) : specs;
	const unknown = options.ids?.filter((id) => !specs.some((s) => s.id === id)) ?? [];
	if (unknown.length > 0) throw new Error(`Unknown generated model(s): ${unknown.join(', ')}. Known: ${specs.map((s) => s.id).join(', ')}`);

	const results: GeneratedModelResult[] = [];
	for (const spec of selected) {
		const started = performance.now();
		const file = generatedModelPath(modelsDir, spec.id);
		const corpus = await loadCorpus(corpusDir, spec.corpora);
		const hash = await buildHash(spec, corpus);
		const existingSize = force ? null : await isUpToDate(file, hash);
		let result: GeneratedModelResult;
		if (existingSize !== null) {
			result = { id: spec.id, file, status: 'up-to-date', sizeBytes: existingSize, ms: Math.round(performance.now() - started) };
		} else {
			const { bytes, stats } = await buildGeneratedModel(spec, corpus);
			await mkdir(path.dirname(file), { recursive: true });
			// Write then rename, so a crash or a concurrent reader never sees half a model.
			const partial = `${file}.${process.pid}.partial`;
			try {
				await writeFile(partial, bytes);
				await rename(partial, file);
			} finally {
				await rm(partial, { force: true });
			}
			result = { id: spec.id, file, status: 'built', sizeBytes: bytes.length, ms: Math.round(performance.now() - started), stats };
		}
		log?.(formatResult(result));
		results.push(result);
		await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe between builds
	}
	return results;
}

export function formatResult(r: GeneratedModelResult): string {
	const detail = r.stats
		? `  ${r.stats.words} words, vocab ${r.stats.vocabulary}, rank ${r.stats.rank}, fit error ${r.stats.relativeFitError.toFixed(2)}`
		: '';
	return `${r.id.padEnd(14)} ${r.status.padEnd(10)} ${(r.sizeBytes / 1e6).toFixed(2).padStart(6)} MB ${String(r.ms).padStart(6)} ms${detail}`;
}

async function main(argv: string[]): Promise<void> {
	let modelsDir = defaultModelsDir();
	const ids: string[] = [];
	let force = false;
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--force') force = true;
		else if (argv[i] === '--models-dir') modelsDir = path.resolve(argv[++i] ?? '.');
		else ids.push(argv[i]);
	}
	const started = performance.now();
	await ensureGeneratedModels(modelsDir, { force, ids: ids.length > 0 ? ids : undefined, log: (line) => console.log(line) });
	console.log(`done in ${Math.round(performance.now() - started)} ms → ${path.join(modelsDir, 'generated')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
	main(process.argv.slice(2)).catch((error) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
