// Checks a GGUF file before anything loads it. llama.cpp aborts the whole Node process (GGML_ASSERT) on some
// malformed files, e.g. a llama model without llama.feed_forward_length, so nothing is handed to it unchecked.
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import * as nodeLlamaCpp from 'node-llama-cpp';
import { readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { quantizationName } from './ggml-types';
import { checkLlamaMetadata, checkLlamaTensors, llamaSizes } from './llama-layout';
import { lookup } from './metadata';
import { checkTensorStorage, type TensorProblem, type TensorProblemKind } from './tensor-checks';

export type GgufProblem =
	| 'not-found'
	| 'not-a-file'
	| 'bad-magic'
	| 'unsupported-version'
	| 'unreadable'
	| 'unknown-architecture'
	| 'missing-key'
	| 'bad-value'
	| TensorProblemKind;

/** How many problems the message lists; the rest are counted. */
const LISTED_PROBLEMS = 3;

export class GgufValidationError extends Error {
	override readonly name = 'GgufValidationError';
	/** Every problem found (the first is `problem`/`detail`). */
	readonly problems: readonly { problem: GgufProblem; detail: string }[];
	constructor(
		readonly file: string,
		readonly problem: GgufProblem,
		readonly detail: string,
		problems?: readonly { problem: GgufProblem; detail: string }[]
	) {
		const all = problems ?? [{ problem, detail }];
		const listed = all
			.slice(0, LISTED_PROBLEMS)
			.map((p) => p.detail)
			.join('; ');
		super(`${file}: ${listed}${all.length > LISTED_PROBLEMS ? ` (and ${all.length - LISTED_PROBLEMS} more problems)` : ''}`);
		this.problems = all;
	}

	static of(file: string, problems: readonly TensorProblem[]): GgufValidationError {
		return new GgufValidationError(file, problems[0].problem, problems[0].detail, problems);
	}
}

export interface GgufModelInfo {
	file: string;
	sizeBytes: number;
	architecture: string;
	name?: string;
	/** general.basename, else the architecture. */
	family: string;
	contextLength: number;
	embeddingLength: number;
	blockCount: number;
	parameterCount: number;
	/** e.g. "7.2B", "1.4M" */
	parameterLabel: string;
	/** e.g. "Q4_K_M", "F16" */
	quantization: string;
	tensorCount: number;
	vocabularySize: number;
	hasChatTemplate: boolean;
	metadata: GgufFileInfo['metadata'];
}

// node-llama-cpp declares GgufArchitectureType as a `const enum`, which isolatedModules code may not read, but
// the package exports it as a plain object at runtime: its values are the architectures llama.cpp knows.
const knownArchitectures = new Set(
	Object.values((nodeLlamaCpp as unknown as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType)
);

/** Recurrent architectures have no attention heads or feed-forward width to require. */
const recurrentArchitectures = new Set(['mamba', 'mamba2', 'rwkv6', 'rwkv6qwen2', 'rwkv7', 'arwkv7']);

export function requiredKeys(architecture: string): string[] {
	const keys = [
		'general.architecture',
		`${architecture}.context_length`,
		`${architecture}.embedding_length`,
		`${architecture}.block_count`
	];
	if (!recurrentArchitectures.has(architecture)) keys.push(`${architecture}.feed_forward_length`, `${architecture}.attention.head_count`);
	return [...keys, 'tokenizer.ggml.model', 'tokenizer.ggml.tokens'];
}

async function readHeader(file: string): Promise<{ size: number; magic: string; version: number }> {
	const info = await stat(file).catch(() => null);
	if (!info) throw new GgufValidationError(file, 'not-found', 'file not found');
	if (!info.isFile()) throw new GgufValidationError(file, 'not-a-file', 'not a regular file');
	const handle = await open(file, 'r');
	try {
		const header = Buffer.alloc(8);
		const { bytesRead } = await handle.read(header, 0, 8, 0);
		return {
			size: info.size,
			magic: header.subarray(0, Math.min(4, bytesRead)).toString('latin1'),
			version: bytesRead >= 8 ? header.readUInt32LE(4) : 0
		};
	} finally {
		await handle.close();
	}
}

/** Validates a GGUF file and describes it; throws GgufValidationError naming the file and the problem. */
export async function inspectGguf(file: string): Promise<GgufModelInfo> {
	const { size, magic, version } = await readHeader(file);
	if (magic !== 'GGUF')
		throw new GgufValidationError(file, 'bad-magic', `not a GGUF file (starts with ${JSON.stringify(magic)}, expected "GGUF")`);
	if (version !== 2 && version !== 3)
		throw new GgufValidationError(file, 'unsupported-version', `GGUF version ${version} is not supported (2 or 3)`);

	let info: GgufFileInfo;
	try {
		info = await readGgufFileInfo(file, { logWarnings: false, sourceType: 'filesystem', spliceSplitFiles: false });
	} catch (error) {
		throw new GgufValidationError(
			file,
			'unreadable',
			`metadata cannot be read (${error instanceof Error ? error.message : String(error)}); the file may be truncated or corrupt`
		);
	}
	// The reader pads a short file with zeros instead of failing, so the header's own end must be inside the file.
	if (info.infoEndOffset === undefined || info.infoEndOffset > size) {
		throw new GgufValidationError(
			file,
			'truncated',
			`the header and metadata need ${info.infoEndOffset ?? '?'} bytes but the file has ${size}: truncated or incomplete download`
		);
	}

	const architecture = lookup(info.metadata, 'general.architecture');
	if (typeof architecture !== 'string') throw new GgufValidationError(file, 'missing-key', 'required key general.architecture is missing');
	if (!knownArchitectures.has(architecture))
		throw new GgufValidationError(file, 'unknown-architecture', `architecture "${architecture}" is not supported by llama.cpp`);
	for (const key of requiredKeys(architecture)) {
		const value = lookup(info.metadata, key);
		if (value === undefined) throw new GgufValidationError(file, 'missing-key', `required key ${key} is missing`);
		const valid =
			key === 'tokenizer.ggml.tokens'
				? Array.isArray(value) && value.length > 0
				: key === 'tokenizer.ggml.model' || key === 'general.architecture'
					? typeof value === 'string'
					: isPositive(value);
		if (!valid)
			throw new GgufValidationError(file, 'bad-value', `key ${key} has an invalid value (${JSON.stringify(value)?.slice(0, 40)})`);
	}

	checkVocabulary(file, lookup(info.metadata, 'tokenizer.ggml.model'), lookup(info.metadata, 'tokenizer.ggml.tokens') as unknown[]);

	const tensors = info.tensorInfo ?? [];
	if (tensors.length === 0) throw new GgufValidationError(file, 'bad-value', 'the file contains no tensors');
	const tokens = lookup(info.metadata, 'tokenizer.ggml.tokens') as unknown[];
	const alignment = Number(lookup(info.metadata, 'general.alignment') ?? 32);
	const problems = checkTensorStorage({ tensors, fileSize: size, alignment });
	if (architecture === 'llama') {
		// Only llama's layout is known here; other architectures get the storage checks alone.
		const sizes = llamaSizes(info.metadata, tokens.length);
		const metadataProblems = checkLlamaMetadata(info.metadata, sizes);
		// Tensor shapes follow from the metadata, so they are only worth comparing once it is sound.
		problems.unshift(...metadataProblems);
		if (metadataProblems.length === 0) problems.push(...checkLlamaTensors(tensors, sizes));
	}
	if (problems.length > 0) throw GgufValidationError.of(file, problems);
	const parameterCount = tensors.reduce((sum, t) => sum + t.dimensions.reduce<number>((n, d) => n * Number(d), 1), 0);

	const general = info.metadata.general;
	const arch = (name: string) => Number(lookup(info.metadata, `${architecture}.${name}`));
	return {
		file,
		sizeBytes: size,
		architecture,
		name: general.name,
		family: general.basename ?? architecture,
		contextLength: arch('context_length'),
		embeddingLength: arch('embedding_length'),
		blockCount: arch('block_count'),
		parameterCount,
		parameterLabel: formatParameterCount(parameterCount),
		quantization: quantizationName(
			general.file_type,
			tensors.map((t) => t.ggmlType)
		),
		tensorCount: tensors.length,
		vocabularySize: tokens.length,
		hasChatTemplate: typeof lookup(info.metadata, 'tokenizer.chat_template') === 'string',
		metadata: info.metadata
	};
}

/**
 * A SentencePiece ("llama") vocabulary falls back to byte tokens for text it has no token for; when any of the
 * 256 is missing, llama.cpp throws an uncaught C++ exception while loading and the process terminates.
 */
function checkVocabulary(file: string, tokenizer: unknown, tokens: readonly unknown[]): void {
	if (tokenizer !== 'llama') return;
	const present = new Set(tokens.filter((t): t is string => typeof t === 'string' && t.length === 6 && t.startsWith('<0x')));
	const missing: string[] = [];
	for (let byte = 0; byte < 256; byte++) {
		const token = `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
		if (!present.has(token)) missing.push(token);
	}
	if (missing.length > 0) {
		throw new GgufValidationError(
			file,
			'bad-value',
			`tokenizer.ggml.tokens lacks byte token ${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}: a llama (SentencePiece) vocabulary needs all 256, or llama.cpp crashes`
		);
	}
}

export type GgufCheck = { ok: true; info: GgufModelInfo } | { ok: false; error: GgufValidationError };

/** Like inspectGguf, but returns the problem instead of throwing (unexpected errors still throw). */
export async function checkGguf(file: string): Promise<GgufCheck> {
	try {
		return { ok: true, info: await inspectGguf(file) };
	} catch (error) {
		if (error instanceof GgufValidationError) return { ok: false, error };
		throw error;
	}
}

/** A positive number, or a per-layer array (some architectures skip attention or FFN in a layer: 0 there). */
function isPositive(value: unknown): boolean {
	const isCount = (v: unknown) => (typeof v === 'number' || typeof v === 'bigint') && Number(v) >= 0;
	if (Array.isArray(value)) return value.every(isCount) && value.some((v) => Number(v) > 0);
	return isCount(value) && Number(value) > 0;
}

export function formatParameterCount(count: number): string {
	const units: [number, string][] = [
		[1e12, 'T'],
		[1e9, 'B'],
		[1e6, 'M'],
		[1e3, 'K']
	];
	for (const [scale, suffix] of units) if (count >= scale) return `${(count / scale).toFixed(count >= scale * 100 ? 0 : 1)}${suffix}`;
	return String(count);
}

/** A stable model id from a file name: "Mistral-7B.Q4_K_M.gguf" → "mistral-7b.q4_k_m". */
export function modelIdFromFile(file: string): string {
	return (
		path
			.basename(file)
			.replace(/\.gguf$/i, '')
			.toLowerCase()
			.replace(/[^a-z0-9._-]+/g, '-')
			.replace(/^-+|-+$/g, '') || 'model'
	);
}
