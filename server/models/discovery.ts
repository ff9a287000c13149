// What is in the models folder: every catalogue entry (present, missing or invalid) plus any other GGUF file
// found there, described from its own metadata. Nothing here loads a model; every file is checked first.
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CATALOG_FILE, loadCatalog, type Capability, type CatalogEntry } from './catalog';
import { checkGguf, modelIdFromFile, type GgufModelInfo, type GgufValidationError } from './gguf/inspect';

export type ModelStatus = 'present' | 'missing' | 'invalid';

export interface ListedModel {
	id: string;
	displayName: string;
	origin: 'catalog' | 'discovered';
	status: ModelStatus;
	path: string;
	sizeBytes?: number;
	/** The catalogue entry, or one inferred from the file's metadata; absent for a discovered file that failed its checks. */
	entry?: CatalogEntry;
	info?: GgufModelInfo;
	problem?: GgufValidationError;
}

/** Folders under the models folder that never hold models. */
const SKIPPED_DIRS = new Set(['corpus', 'node_modules']);
const MAX_DEPTH = 3;

async function findGgufFiles(dir: string, depth = 0): Promise<string[]> {
	const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
	const found: string[] = [];
	for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory() && depth < MAX_DEPTH && !SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.'))
			found.push(...(await findGgufFiles(full, depth + 1)));
		else if (entry.isFile() && /\.gguf$/i.test(entry.name)) found.push(full);
	}
	return found;
}

/** Catalogue-shaped description of a GGUF file that is not in the catalogue; skills are guessed from its name. */
export function entryFromGguf(info: GgufModelInfo, modelsDir: string, id: string): CatalogEntry {
	const name = `${info.name ?? ''} ${path.basename(info.file)}`.toLowerCase();
	const capabilities: Capability[] = /coder|code|starcoder/.test(name) ? ['code', 'chat'] : ['chat', 'summarize'];
	const unknownQuality = 0.3;
	return {
		id,
		displayName: info.name ?? path.basename(info.file, '.gguf'),
		source: `file:${path.relative(modelsDir, info.file).split(path.sep).join('/')}`,
		family: info.family,
		architecture: info.architecture,
		parameters: { label: info.parameterLabel, count: info.parameterCount },
		quantization: info.quantization,
		contextSize: info.contextLength,
		capabilities,
		quality: Object.fromEntries(capabilities.map((c) => [c, unknownQuality])),
		// Tiny models are fastest single-threaded; big ones want every core (see the guide's threads trap).
		threads: info.parameterCount < 100e6 ? 1 : Math.max(1, Math.min(os.availableParallelism(), 8)),
		gpuLayers: info.blockCount + 1,
		generated: false,
		localPath: info.file
	};
}

export interface DiscoverOptions {
	/** Use this catalogue instead of reading <modelsDir>/catalog.json (which may also be absent). */
	catalog?: CatalogEntry[];
}

export async function discoverModels(modelsDir: string, options: DiscoverOptions = {}): Promise<ListedModel[]> {
	const hasCatalogFile = await stat(path.join(modelsDir, CATALOG_FILE)).then(
		() => true,
		() => false
	);
	const catalog = options.catalog ?? (hasCatalogFile ? await loadCatalog(modelsDir) : []);
	const listed: ListedModel[] = [];

	for (const entry of catalog) {
		const exists = await stat(entry.localPath).then(
			(s) => s.isFile(),
			() => false
		);
		const base = { id: entry.id, displayName: entry.displayName, origin: 'catalog' as const, path: entry.localPath, entry };
		if (!exists) {
			listed.push({ ...base, status: 'missing' });
			continue;
		}
		const check = await checkGguf(entry.localPath);
		listed.push(
			check.ok
				? { ...base, status: 'present', sizeBytes: check.info.sizeBytes, info: check.info }
				: { ...base, status: 'invalid', sizeBytes: (await stat(entry.localPath)).size, problem: check.error }
		);
	}

	const claimed = new Set(catalog.map((e) => path.resolve(e.localPath)));
	const ids = new Set(catalog.map((e) => e.id));
	for (const file of await findGgufFiles(modelsDir)) {
		if (claimed.has(path.resolve(file))) continue;
		let id = modelIdFromFile(file);
		for (let n = 2; ids.has(id); n++) id = `${modelIdFromFile(file)}-${n}`;
		ids.add(id);
		const check = await checkGguf(file);
		if (check.ok) {
			const entry = entryFromGguf(check.info, modelsDir, id);
			listed.push({
				id,
				displayName: entry.displayName,
				origin: 'discovered',
				status: 'present',
				path: file,
				sizeBytes: check.info.sizeBytes,
				entry,
				info: check.info
			});
		} else {
			const size = (await stat(file)).size;
			listed.push({
				id,
				displayName: path.basename(file),
				origin: 'discovered',
				status: 'invalid',
				path: file,
				sizeBytes: size,
				problem: check.error
			});
		}
	}
	return listed;
}
