// models/catalog.json: the models Switchyard knows about, validated with zod. Errors name the file and the field.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const CATALOG_FILE = 'catalog.json';

export const capabilities = ['chat', 'code', 'math', 'reasoning', 'summarize', 'creative'] as const;
export const capabilitySchema = z.enum(capabilities);
export type Capability = z.infer<typeof capabilitySchema>;

/** `file:<path inside the models folder>`, `hf:<user>/<repo>:<quant>`, `hf:<user>/<repo>/<file>.gguf[#branch]`, or an http(s) URL. */
const sourceSchema = z
	.string()
	.refine(
		(s) =>
			/^file:(?!\/)(?!.*\.\.)[^\s]+\.gguf$/i.test(s) ||
			/^hf:[\w.-]+\/[\w.-]+(:[\w.-]+|(\/[^\s#]+\.gguf))(#[\w./-]+)?$/i.test(s) ||
			/^https?:\/\/\S+$/i.test(s),
		{ message: 'must be file:<relative path>.gguf, hf:<user>/<repo>:<quant>, hf:<user>/<repo>/<file>.gguf or an http(s) URL' }
	);

export const catalogEntrySchema = z
	.strictObject({
		id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"'),
		displayName: z.string().min(1),
		description: z.string().optional(),
		source: sourceSchema,
		/** Local file name for sources whose name cannot be derived (hf:<user>/<repo>:<quant>). */
		fileName: z
			.string()
			.regex(/^[^/\\]+\.gguf$/i, 'must be a plain file name ending in .gguf')
			.optional(),
		family: z.string().min(1),
		architecture: z.string().min(1),
		parameters: z.strictObject({
			label: z.string().regex(/^\d+(\.\d+)?[KMBT]$/, 'must look like "7B", "6.7B" or "1.2M"'),
			count: z.number().int().positive()
		}),
		quantization: z.string().min(1),
		contextSize: z.number().int().positive(),
		capabilities: z.array(capabilitySchema).min(1),
		/**
		 * Calls functions well enough to be preferred when a run offers tools. Absent: derived from the file (its chat
		 * template has a function-call syntax of its own; see tool-support.ts).
		 */
		tools: z.boolean().optional(),
		/** 0–1 per capability: how good the model is at it, relative to the other catalogue models. */
		quality: z.partialRecord(capabilitySchema, z.number().min(0).max(1)),
		threads: z.number().int().positive(),
		/** Layers to offload to a GPU when one is present (ignored on CPU). */
		gpuLayers: z.number().int().min(0),
		downloadSizeBytes: z.number().int().positive().optional(),
		license: z.string().optional(),
		generated: z.boolean().default(false)
	})
	.superRefine((entry, ctx) => {
		for (const capability of entry.capabilities) {
			if (entry.quality[capability] === undefined)
				ctx.addIssue({ code: 'custom', path: ['quality', capability], message: `missing score for listed capability "${capability}"` });
		}
		for (const capability of Object.keys(entry.quality) as Capability[]) {
			if (!entry.capabilities.includes(capability))
				ctx.addIssue({ code: 'custom', path: ['quality', capability], message: `scored but not listed in capabilities` });
		}
		if (entry.generated && !entry.source.startsWith('file:'))
			ctx.addIssue({ code: 'custom', path: ['source'], message: 'generated models must have a file: source' });
		if (/^hf:[^/]+\/[^/:]+:/.test(entry.source) && !entry.fileName)
			ctx.addIssue({ code: 'custom', path: ['fileName'], message: 'required for hf:<user>/<repo>:<quant> sources' });
	});

export const catalogFileSchema = z
	.strictObject({ $schema: z.string().optional(), version: z.literal(1), models: z.array(catalogEntrySchema) })
	.superRefine((file, ctx) => {
		const seen = new Set<string>();
		file.models.forEach((m, i) => {
			if (seen.has(m.id)) ctx.addIssue({ code: 'custom', path: ['models', i, 'id'], message: `duplicate id "${m.id}"` });
			seen.add(m.id);
		});
	});

export type CatalogEntryData = z.infer<typeof catalogEntrySchema>;

export interface CatalogEntry extends CatalogEntryData {
	/** Where the file is (or will be, once pulled) on this machine. */
	localPath: string;
	/** What to download for remote sources; undefined for file: sources. */
	remoteUri?: string;
}

export class CatalogError extends Error {
	override readonly name = 'CatalogError';
	constructor(
		readonly file: string,
		readonly field: string | undefined,
		detail: string
	) {
		super(`${file}: ${field ? `${field}: ` : ''}${detail}`);
	}
}

function fieldPath(pathParts: readonly PropertyKey[]): string {
	return pathParts.reduce<string>(
		(out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
		''
	);
}

/** The local file name a source will have. */
export function localFileName(entry: Pick<CatalogEntryData, 'source' | 'fileName'>): string {
	if (entry.fileName) return entry.fileName;
	const withoutBranch = entry.source.replace(/#.*$/, '');
	if (withoutBranch.startsWith('file:')) return path.basename(withoutBranch.slice('file:'.length));
	if (/^https?:/i.test(withoutBranch)) return decodeURIComponent(path.basename(new URL(withoutBranch).pathname));
	return path.basename(withoutBranch);
}

export function resolveEntry(modelsDir: string, data: CatalogEntryData): CatalogEntry {
	if (data.source.startsWith('file:')) return { ...data, localPath: path.join(modelsDir, data.source.slice('file:'.length)) };
	return { ...data, localPath: path.join(modelsDir, localFileName(data)), remoteUri: data.source };
}

/** Validates catalogue JSON text; `file` is only used in error messages. */
export function parseCatalog(text: string, file: string, modelsDir: string): CatalogEntry[] {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (error) {
		throw new CatalogError(file, undefined, `invalid JSON (${error instanceof Error ? error.message : String(error)})`);
	}
	const result = catalogFileSchema.safeParse(json);
	if (!result.success) {
		const issue = result.error.issues[0];
		const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : '';
		const field = fieldPath(issue.path);
		const id =
			issue.path[0] === 'models' && typeof issue.path[1] === 'number'
				? (json as { models: { id?: unknown }[] }).models[issue.path[1]]?.id
				: undefined;
		throw new CatalogError(file, field || undefined, `${issue.message}${typeof id === 'string' ? ` (model "${id}")` : ''}${more}`);
	}
	return result.data.models.map((m) => resolveEntry(modelsDir, m));
}

/** Reads and validates <modelsDir>/catalog.json. */
export async function loadCatalog(modelsDir: string): Promise<CatalogEntry[]> {
	const file = path.join(modelsDir, CATALOG_FILE);
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		throw new CatalogError(file, undefined, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error));
	}
	return parseCatalog(text, file, modelsDir);
}
