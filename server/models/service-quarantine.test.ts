// ModelService with the real loader on files written by the project's writer: a file llama.cpp refuses is tried
// once, then quarantined (not listed as present, never loaded again, nothing evicted for it) across restarts,
// until its file changes or an admin clears it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { loadConfig } from '../config';
import { silentLogger } from '../logger';
import { writeTestGguf } from '../../tests/helpers/gguf-files';
import { ModelError } from './model-errors';
import { createQuarantineRepository, type QuarantineRepository } from './quarantine.repository';
import { ModelService } from './service';

let dir: string;
let database: TestDatabase;
beforeAll(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'sy-service-quarantine-'));
	await writeTestGguf(path.join(dir, 'good.gguf'), { name: 'Good' });
	// An extra tensor llama.cpp does not expect: inspection lets it through, llama.cpp refuses it (without aborting).
	await writeTestGguf(path.join(dir, 'refused.gguf'), { name: 'Refused', padValues: 64 });
	database = await freshDatabase('sqlite');
});
afterAll(async () => {
	await database.drop();
	await rm(dir, { recursive: true, force: true });
});

const startService = (quarantine: QuarantineRepository = createQuarantineRepository(database.db)) =>
	ModelService.create(
		loadConfig({ MODELS_DIR: dir, GENERATE_MODELS: 'false', MODEL_KEEP_ALIVE_S: '0', MODEL_LOAD_CHECK: 'off' }),
		silentLogger(),
		{ quarantine }
	);

async function failure(promise: Promise<unknown>): Promise<ModelError> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	if (!(err instanceof ModelError)) throw new Error(`expected a ModelError, got ${String(err)}`);
	return err;
}

describe('quarantine in the ModelService', () => {
	it('tries a refused file once, then keeps it out without evicting anything for it, across a restart', async () => {
		const service = await startService();
		const events: string[] = [];
		const record = (kind: string) => (e: { modelId: string }) => events.push(`${kind} ${e.modelId}`);
		service.manager.on('loading', record('loading'));
		service.manager.on('evicted', record('evicted'));
		service.manager.on('failed', record('failed'));
		expect(service.list().map((m) => [m.id, m.present])).toEqual([
			['good', true],
			['refused', true]
		]);

		// A budget that holds one of the two models: loading either evicts the other.
		const [good, refused] = await Promise.all([service.estimate('good')!, service.estimate('refused')!]);
		await service.manager.setBudget({
			ramBytes: Math.max(good.ramBytes, refused.ramBytes) + Math.min(good.ramBytes, refused.ramBytes) / 2,
			vramBytes: 0
		});
		await service.manager.preload('good');
		const first = await failure(service.manager.acquire('refused'));
		expect(first.code).toBe('load_failed');
		expect(events).toEqual(['loading good', 'evicted good', 'loading refused', 'failed refused']);

		const listed = service.list().find((m) => m.id === 'refused')!;
		expect(listed).toMatchObject({ present: false, quarantine: { cause: 'load_failed', reason: first.message } });
		expect(service.spec('refused')).toBeUndefined();

		events.length = 0;
		await service.manager.preload('good');
		const again = await failure(service.manager.acquire('refused'));
		expect(again.code).toBe('quarantined');
		expect(again.message).toBe(
			`Model refused is quarantined: ${first.message}. An admin can clear the quarantine on the admin page once the file is fixed or replaced.`
		);
		expect(events).toEqual(['loading good']); // no second load, no eviction
		expect(service.manager.isLoaded('good')).toBe(true);
		await service.close();

		const restarted = await startService();
		expect(restarted.quarantined('refused')).toMatchObject({ cause: 'load_failed', reason: first.message });
		expect((await failure(restarted.manager.acquire('refused'))).code).toBe('quarantined');
		await restarted.close();
	});

	it('loads the model again once its file is replaced, and after an admin clears the quarantine', async () => {
		const service = await startService();
		expect(service.quarantined('refused')?.cause).toBe('load_failed');
		await writeTestGguf(path.join(dir, 'refused.gguf'), { name: 'Refused, fixed' });
		expect(service.quarantined('refused')).toBeUndefined();
		await service.manager.preload('refused');
		expect(service.manager.isLoaded('refused')).toBe(true);
		await service.manager.unload('refused');

		// Broken again: quarantined again; the admin's clear lets the next run try (and fail) once more.
		await writeTestGguf(path.join(dir, 'refused.gguf'), { name: 'Refused', padValues: 32 });
		expect((await failure(service.manager.acquire('refused'))).code).toBe('load_failed');
		expect((await failure(service.manager.acquire('refused'))).code).toBe('quarantined');
		expect(await service.clearQuarantine('refused')).toBeUndefined();
		expect(service.list().find((m) => m.id === 'refused')).toMatchObject({ present: true, quarantine: undefined });
		expect((await failure(service.manager.acquire('refused'))).code).toBe('load_failed');
		await service.close();
	});

	it('reports a file that fails inspection as quarantined, and clearing re-inspects it', async () => {
		const file = path.join(dir, 'misshapen.gguf');
		await writeTestGguf(file, { editTensors: (t) => t.filter((x) => x.name !== 'blk.0.ffn_up.weight') });
		const service = await startService();
		const quarantine = service.quarantined('misshapen');
		expect(quarantine).toMatchObject({ cause: 'invalid_file', reason: `${file}: required tensor blk.0.ffn_up.weight [8, 16] is missing` });
		expect((await failure(service.manager.acquire('misshapen'))).message).toMatch(
			/^Model misshapen is quarantined: .*blk\.0\.ffn_up\.weight \[8, 16\] is missing/
		);
		expect(await service.clearQuarantine('misshapen')).toMatchObject({ cause: 'invalid_file' });
		await writeTestGguf(file, {});
		expect(await service.clearQuarantine('misshapen')).toBeUndefined();
		expect(service.spec('misshapen')).toBeDefined();
		await service.close();
	});

	it('refuses to load a model when the start of its load cannot be recorded, without quarantining it', async () => {
		const repo = createQuarantineRepository(database.db);
		const service = await startService({ ...repo, putLoading: async () => Promise.reject(new Error('database is locked')) });
		const err = await failure(service.manager.acquire('good'));
		expect(err.message).toBe('Model good was not loaded: the start of its load could not be recorded (database is locked)');
		expect(service.manager.isLoaded('good')).toBe(false);
		expect(service.quarantined('good')).toBeUndefined();
		await service.close();
	});
});
