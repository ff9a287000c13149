import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pullFileName, pullUriSchema } from '../../src/lib/contract/admin';
import { planUriPull } from './uri-pull';

describe('pulls of files outside the catalogue', () => {
	test('accept hf: file URIs and https .gguf URLs; plain http only on loopback; no way out of a repository', () => {
		const good = [
			'hf:user/repo/model-q4_k_m.gguf',
			'hf:user/repo/sub/model.gguf#main',
			'https://example.com/m/model.gguf',
			'http://localhost:8080/a.gguf'
		];
		for (const uri of good) expect(pullUriSchema.safeParse(uri).success, uri).toBe(true);
		const bad = [
			'http://example.com/model.gguf',
			'ftp://localhost/model.gguf',
			'https://example.com/model.bin',
			'hf:user/repo:Q4_K_M',
			'hf:user/repo/../x.gguf',
			'https://u:p@example.com/a.gguf',
			'file:/etc/passwd.gguf'
		];
		for (const uri of bad) expect(pullUriSchema.safeParse(uri).success, uri).toBe(false);
		expect(pullFileName('https://example.com/m/My%20Model.gguf')).toBe('My Model.gguf');
		expect(pullFileName('hf:user/repo/sub/model.gguf#main')).toBe('model.gguf');
	});

	test('plan: the file name becomes the model id, lands in models/pulled, and may not take another model’s id', () => {
		const plan = planUriPull('https://example.com/x/Tiny-Model.Q8_0.gguf', '/srv/models', new Set(['sy-tiny']));
		expect(plan).toEqual({
			ok: true,
			data: { modelId: 'tiny-model.q8_0', fileName: 'Tiny-Model.Q8_0.gguf', dirPath: path.join('/srv/models', 'pulled') }
		});
		expect(planUriPull('https://example.com/sy-tiny.gguf', '/srv/models', new Set(['sy-tiny']))).toMatchObject({
			ok: false,
			error: { code: 'conflict' }
		});
		expect(planUriPull('https://example.com/My%20Model.gguf', '/srv/models', new Set())).toMatchObject({
			ok: false,
			error: { code: 'bad_request' }
		});
	});
});
