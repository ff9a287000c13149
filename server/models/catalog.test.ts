import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogError, loadCatalog, parseCatalog } from './catalog';
import { generatedModelSpecs } from './generator/specs';
import { repoRoot } from './paths';

const modelsDir = path.join(repoRoot, 'models');

const validEntry = {
	id: 'test-model',
	displayName: 'Test Model',
	source: 'hf:someone/Test-GGUF:Q4_K_M',
	fileName: 'test.Q4_K_M.gguf',
	family: 'test',
	architecture: 'llama',
	parameters: { label: '7B', count: 7_000_000_000 },
	quantization: 'Q4_K_M',
	contextSize: 4096,
	capabilities: ['chat', 'code'],
	quality: { chat: 0.5, code: 0.4 },
	threads: 4,
	gpuLayers: 33
};

function parseWith(change: (entry: Record<string, unknown>) => void, extra: Record<string, unknown>[] = []) {
	const entry: Record<string, unknown> = structuredClone(validEntry);
	change(entry);
	return () => parseCatalog(JSON.stringify({ version: 1, models: [entry, ...extra] }), '/m/catalog.json', '/m');
}

describe('the repository catalogue', () => {
	it('lists the four generated models and four real ones with Hugging Face sources', async () => {
		const catalog = await loadCatalog(modelsDir);
		expect(catalog.filter((e) => e.generated).map((e) => e.id)).toEqual(['sy-tiny', 'sy-chat-small', 'sy-code', 'sy-reason']);
		const real = catalog.filter((e) => !e.generated);
		expect(real.map((e) => e.id)).toEqual([
			'mistral-7b-instruct',
			'llama-3-8b-instruct',
			'deepseek-llm-7b-chat',
			'deepseek-coder-6.7b-instruct'
		]);
		for (const entry of real) {
			expect(entry.remoteUri).toMatch(/^hf:[\w.-]+\/[\w.-]+-GGUF\/[\w.-]+Q4_K_M\.gguf$/);
			expect(entry.localPath).toBe(path.join(modelsDir, path.basename(entry.remoteUri!)));
			expect(entry.quantization).toBe('Q4_K_M');
		}
		expect(catalog.find((e) => e.id === 'deepseek-coder-6.7b-instruct')!.quality.code).toBeGreaterThan(
			catalog.find((e) => e.id === 'mistral-7b-instruct')!.quality.code!
		);
		// The generated models declare whether they call functions (one is the router's pick for runs with tools);
		// the real ones leave it to their chat template.
		expect(catalog.filter((e) => e.tools).map((e) => e.id)).toEqual(['sy-reason']);
		expect(real.every((e) => e.tools === undefined)).toBe(true);
	});

	it('agrees with the generated model specs', async () => {
		const catalog = await loadCatalog(modelsDir);
		for (const spec of generatedModelSpecs) {
			const entry = catalog.find((e) => e.id === spec.id)!;
			expect(entry, spec.id).toBeDefined();
			expect(entry.generated).toBe(true);
			expect(entry.contextSize).toBe(spec.contextLength);
			expect(entry.localPath).toBe(path.join(modelsDir, 'generated', `${spec.id}.gguf`));
			expect(entry.threads).toBe(1);
		}
	});
});

describe('catalogue validation', () => {
	it('accepts a valid entry and resolves where its file goes', () => {
		const [entry] = parseWith(() => {})();
		expect(entry).toMatchObject({
			id: 'test-model',
			generated: false,
			localPath: path.join('/m', 'test.Q4_K_M.gguf'),
			remoteUri: 'hf:someone/Test-GGUF:Q4_K_M'
		});
	});

	it('names the file and the field', () => {
		expect(parseWith((e) => ((e.quality as Record<string, number>).chat = 1.5))).toThrow(
			/^\/m\/catalog\.json: models\[0\]\.quality\.chat: .*1.* \(model "test-model"\)$/
		);
		expect(parseWith((e) => delete e.family)).toThrow(/models\[0\]\.family:/);
		expect(parseWith((e) => (e.capabilities = ['chat', 'telepathy']))).toThrow(/models\[0\]\.capabilities\[1\]:/);
		expect(parseWith((e) => (e.source = 'ftp://x/y.gguf'))).toThrow(/models\[0\]\.source: must be file:/);
		expect(parseWith((e) => (e.source = 'file:../../etc/passwd.gguf'))).toThrow(/models\[0\]\.source/);
		expect(parseWith((e) => (e.id = 'Not Valid'))).toThrow(/models\[0\]\.id: must be lowercase/);
		expect(parseWith((e) => (e.colour = 'blue'))).toThrow(/models\[0\]: .*colour/);
		expect(parseWith((e) => (e.threads = 0))).toThrow(/models\[0\]\.threads:/);
		expect(parseWith((e) => (e.tools = 'yes'))).toThrow(/models\[0\]\.tools:/);
	});

	it('checks that scores and capabilities match, ids are unique and hf quant URIs have a file name', () => {
		expect(parseWith((e) => (e.quality = { chat: 0.5 }))).toThrow(/models\[0\]\.quality\.code: missing score for listed capability "code"/);
		expect(parseWith((e) => (e.quality = { chat: 0.5, code: 0.4, math: 0.1 }))).toThrow(
			/models\[0\]\.quality\.math: scored but not listed/
		);
		expect(parseWith(() => {}, [validEntry])).toThrow(/models\[1\]\.id: duplicate id "test-model"/);
		expect(parseWith((e) => delete e.fileName)).toThrow(/models\[0\]\.fileName: required for hf:/);
		expect(parseWith((e) => ((e.generated = true), (e.source = 'hf:a/b/c.gguf')))).toThrow(
			/models\[0\]\.source: generated models must have a file: source/
		);
	});

	it('reports bad JSON and a missing file clearly', async () => {
		expect(() => parseCatalog('{"version": 1, "models": [', '/m/catalog.json', '/m')).toThrow(/^\/m\/catalog\.json: invalid JSON \(/);
		expect(() => parseCatalog('{"version": 2, "models": []}', '/m/catalog.json', '/m')).toThrow(/^\/m\/catalog\.json: version: /);
		const dir = await mkdtemp(path.join(os.tmpdir(), 'sy-catalog-'));
		try {
			await expect(loadCatalog(dir)).rejects.toThrow(new CatalogError(path.join(dir, 'catalog.json'), undefined, 'file not found'));
			await writeFile(
				path.join(dir, 'catalog.json'),
				JSON.stringify({ version: 1, models: [{ ...validEntry, source: 'https://example.com/files/x.gguf', fileName: undefined }] })
			);
			const [entry] = await loadCatalog(dir);
			expect(entry.localPath).toBe(path.join(dir, 'x.gguf'));
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});
