// The quarantine records on both database dialects: they outlive the store that wrote them (a restart), a load left
// unfinished by another process becomes a crash quarantine, and a record lapses when its file changes.
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, freshDatabase, type TestDatabase } from '../../tests/helpers/databases';
import { silentLogger } from '../logger';
import { spawn, spawnSync } from 'node:child_process';
import { CRASH_REASON, diedWhileLoading, QuarantineStore, type LoadOwner } from './quarantine';
import { createQuarantineRepository, type QuarantineRepository } from './quarantine.repository';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'sy-quarantine-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (and that nothing reuses within a test). */
const exitedPid = () => spawnSync('true').pid;
const host = os.hostname();

/** A store as a process with this boot id opens it at start-up: on this host, by default a process that has exited. */
const start = (repo: QuarantineRepository, bootId: string, now = () => 1_000, owner: Partial<LoadOwner> = {}) =>
	QuarantineStore.open(repo, { logger: silentLogger(), now, owner: { bootId, host, pid: exitedPid(), ...owner } });

describe.each(DIALECTS)('QuarantineStore on %s', (kind) => {
	let database: TestDatabase;
	let repo: QuarantineRepository;
	let file: string;
	beforeAll(async () => {
		database = await freshDatabase(kind);
		repo = createQuarantineRepository(database.db);
		file = path.join(dir, `${kind}.gguf`);
		await writeFile(file, 'GGUF model bytes');
	}, 60_000);
	afterAll(() => database.drop());

	it('keeps a quarantine across restarts until it is cleared', async () => {
		const first = await start(repo, 'process-1');
		await first.add('bad', file, 'load_failed', 'Model bad failed to load (cpu: Failed to load model)');
		expect(first.get('bad', file)).toMatchObject({ cause: 'load_failed', reason: 'Model bad failed to load (cpu: Failed to load model)' });

		const second = await start(repo, 'process-2');
		expect(second.get('bad', file)).toMatchObject({ modelId: 'bad', cause: 'load_failed', since: 1_000 });
		expect(await second.clear('bad')).toBe(true);
		expect(second.get('bad', file)).toBeUndefined();
		expect((await start(repo, 'process-3')).get('bad', file)).toBeUndefined();
	});

	it('turns a load another process never finished into a crash quarantine, and leaves its own loads alone', async () => {
		const crashed = await start(repo, 'process-a');
		await crashed.begin('crashy', file); // …and the process dies inside llama.cpp
		const mine = await start(repo, 'process-a'); // a second app context in the same process
		expect(mine.get('crashy', file)).toBeUndefined();

		const restarted = await start(repo, 'process-b', () => 2_000, { pid: process.pid });
		expect(restarted.get('crashy', file)).toEqual({
			modelId: 'crashy',
			cause: 'crashed',
			reason: CRASH_REASON,
			since: 2_000,
			file: expect.objectContaining({ path: file })
		});
		expect(await repo.loading()).toEqual([]);
		await restarted.clear('crashy');
	});

	it('in a cluster sharing the database: leaves loads that run in live processes or on other hosts, each process its own row', async () => {
		const sleeper = spawn('sleep', ['30']);
		try {
			const elsewhere = await start(repo, 'worker-on-gpu-2', () => 1_000, { host: 'gpu-2', pid: process.pid });
			const nextDoor = await start(repo, 'worker-next-door', () => 1_000, { pid: sleeper.pid! });
			await elsewhere.begin('shared', file);
			await nextDoor.begin('shared', file); // the same model loading in two workers: two rows
			expect((await repo.loading()).map((r) => r.bootId).sort()).toEqual(['worker-next-door', 'worker-on-gpu-2']);

			const starting = await start(repo, 'worker-starting', () => 3_000, { pid: process.pid });
			expect(starting.get('shared', file)).toBeUndefined();
			expect(await repo.loading()).toHaveLength(2);
			await nextDoor.end('shared'); // deletes its own row only
			expect((await repo.loading()).map((r) => r.bootId)).toEqual(['worker-on-gpu-2']);
			await elsewhere.end('shared');
		} finally {
			sleeper.kill();
		}
	});

	it('keeps the loading row while any estimate or load of the model runs, and lets a finished one go without a trace', async () => {
		const store = await start(repo, 'process-c');
		await Promise.all([store.begin('fine', file), store.begin('fine', file)]); // the router's estimate and a load
		expect((await repo.loading()).map((r) => r.modelId)).toEqual(['fine']);
		await store.end('fine');
		expect((await repo.loading()).map((r) => r.modelId)).toEqual(['fine']);
		await store.end('fine');
		expect(await repo.loading()).toEqual([]);
		expect((await start(repo, 'process-d')).get('fine', file)).toBeUndefined();
	});

	it('fails begin() when the row cannot be written, and writes afresh on the next attempt', async () => {
		let refuse = true;
		const flaky: QuarantineRepository = {
			...repo,
			putLoading: (row) => (refuse ? Promise.reject(new Error('disk full')) : repo.putLoading(row))
		};
		const store = await start(flaky, 'process-f');
		await expect(store.begin('flaky', file)).rejects.toThrow('disk full');
		refuse = false;
		await store.begin('flaky', file);
		expect((await repo.loading()).map((r) => r.modelId)).toEqual(['flaky']);
		await store.end('flaky');
		expect(await repo.loading()).toEqual([]);
	});

	it('lifts a quarantine once its file changes, in memory and in storage', async () => {
		const store = await start(repo, 'process-e');
		await store.add('replaced', file, 'load_failed', 'llama.cpp refused it');
		await appendFile(file, ' and a fixed tail'); // another size: a different file
		expect(store.get('replaced', file)).toBeUndefined();
		await vi.waitFor(async () => expect(await repo.quarantined()).toEqual([])); // deleted in the background
		// Another path for the same id (the catalogue moved the file) is another file too.
		await store.add('moved', file, 'load_failed', 'llama.cpp refused it');
		expect(store.get('moved', path.join(dir, 'elsewhere.gguf'))).toBeUndefined();
	});
});

describe('diedWhileLoading', () => {
	const me: LoadOwner = { bootId: 'me', host: 'here', pid: process.pid };
	it('judges only rows from this host: a pid that no longer runs, or our own pid under another boot (a restarted container)', () => {
		expect(diedWhileLoading({ bootId: 'old', host: 'here', pid: exitedPid() }, me)).toBe(true);
		expect(diedWhileLoading({ bootId: 'old', host: 'here', pid: process.pid }, me)).toBe(true);
		expect(diedWhileLoading({ bootId: 'me', host: 'here', pid: process.pid }, me)).toBe(false);
		expect(diedWhileLoading({ bootId: 'parent', host: 'here', pid: process.ppid }, me)).toBe(false);
		expect(diedWhileLoading({ bootId: 'other', host: 'there', pid: exitedPid() }, me)).toBe(false);
	});
});
