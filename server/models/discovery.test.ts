import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverModels } from './discovery';
import { testGgufFile, writeTestGguf } from '../../tests/helpers/gguf-files';
import { encodeGguf, gguf } from './generator/writer';

let dir: string;

const entry = (id: string, source: string) => ({
	id,
	displayName: id,
	source,
	family: 'test',
	architecture: 'llama',
	parameters: { label: '1K', count: 1000 },
	quantization: 'F32',
	contextSize: 256,
	capabilities: ['chat'],
	quality: { chat: 0.5 },
	threads: 1,
	gpuLayers: 0
});

beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'sy-discovery-'));
	await mkdir(path.join(dir, 'generated'));
	await mkdir(path.join(dir, 'corpus'));
	await mkdir(path.join(dir, 'team', 'experiments'), { recursive: true });
	await writeFile(
		path.join(dir, 'catalog.json'),
		JSON.stringify({
			version: 1,
			models: [
				entry('local-ok', 'file:generated/ok.gguf'),
				entry('local-broken', 'file:generated/broken.gguf'),
				entry('remote', 'hf:someone/Remote-GGUF/remote.Q4_K_M.gguf')
			]
		})
	);
	await writeTestGguf(path.join(dir, 'generated', 'ok.gguf'));
	await writeTestGguf(path.join(dir, 'generated', 'broken.gguf'), { omit: ['llama.attention.head_count'] });
	await writeTestGguf(path.join(dir, 'My-Model.Q8_0.gguf'), {
		name: 'My Model',
		set: { 'general.file_type': gguf.u32(7), 'general.basename': gguf.string('my-family'), 'llama.context_length': gguf.u32(4096) }
	});
	await writeTestGguf(path.join(dir, 'team', 'experiments', 'tiny-coder.gguf'), { name: 'Tiny Coder' });
	const bytes = encodeGguf(testGgufFile());
	await writeFile(path.join(dir, 'half-download.gguf'), bytes.subarray(0, Math.floor(bytes.length / 2)));
	await writeFile(path.join(dir, 'in-progress.gguf.ipull'), bytes.subarray(0, 100)); // a resumable download, not a model
	await writeTestGguf(path.join(dir, 'corpus', 'not-a-model-folder.gguf'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('discoverModels', () => {
	it('reports each catalogue entry as present, invalid or missing', async () => {
		const models = await discoverModels(dir);
		const byId = new Map(models.map((m) => [m.id, m]));
		expect(byId.get('local-ok')).toMatchObject({ origin: 'catalog', status: 'present', path: path.join(dir, 'generated', 'ok.gguf') });
		expect(byId.get('local-ok')!.sizeBytes).toBeGreaterThan(1000);
		expect(byId.get('local-broken')).toMatchObject({ origin: 'catalog', status: 'invalid' });
		expect(byId.get('local-broken')!.problem!.message).toMatch(/broken\.gguf: required key llama\.attention\.head_count is missing/);
		expect(byId.get('remote')).toMatchObject({ origin: 'catalog', status: 'missing', path: path.join(dir, 'remote.Q4_K_M.gguf') });
	});

	it('describes other GGUF files from their metadata', async () => {
		const models = await discoverModels(dir);
		const discovered = models.filter((m) => m.origin === 'discovered');
		expect(discovered.map((m) => m.id).sort()).toEqual(['half-download', 'my-model.q8_0', 'tiny-coder']);
		const mine = discovered.find((m) => m.id === 'my-model.q8_0')!;
		expect(mine.status).toBe('present');
		expect(mine.entry).toMatchObject({
			displayName: 'My Model',
			family: 'my-family',
			architecture: 'llama',
			quantization: 'Q8_0',
			contextSize: 4096,
			source: 'file:My-Model.Q8_0.gguf',
			generated: false,
			threads: 1
		});
		expect(mine.entry!.parameters.count).toBe(mine.info!.parameterCount);
		expect(discovered.find((m) => m.id === 'tiny-coder')!.entry!.capabilities).toContain('code');
		const half = discovered.find((m) => m.id === 'half-download')!;
		expect(half.status).toBe('invalid');
		expect(half.entry).toBeUndefined();
		expect(half.problem!.problem).toBe('truncated');
	});

	it('works without a catalogue and keeps ids unique', async () => {
		const bare = await mkdtemp(path.join(os.tmpdir(), 'sy-discovery-bare-'));
		try {
			await writeTestGguf(path.join(bare, 'a.gguf'));
			await mkdir(path.join(bare, 'copy'));
			await writeTestGguf(path.join(bare, 'copy', 'a.gguf'));
			const models = await discoverModels(bare);
			expect(models.map((m) => m.id)).toEqual(['a', 'a-2']);
			expect(models.every((m) => m.status === 'present')).toBe(true);
		} finally {
			await rm(bare, { recursive: true, force: true });
		}
	});
});
