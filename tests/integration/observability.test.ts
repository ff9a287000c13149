import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { readinessChecks } from '../../server/readiness';
import { testApp } from '../helpers/app';

/** Parses Prometheus text into { 'name{labels}': value }. */
function parseMetrics(text: string): Map<string, number> {
	const out = new Map<string, number>();
	for (const line of text.split('\n')) {
		if (!line || line.startsWith('#')) continue;
		const i = line.lastIndexOf(' ');
		out.set(line.slice(0, i), Number(line.slice(i + 1)));
	}
	return out;
}
const sumOf = (m: Map<string, number>, prefix: string) => [...m].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

let app: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
	app = await testApp();
}, 120_000);
afterAll(() => app.ctx.close());

describe('metrics', () => {
	it('move after a real run: run counter, node and token histograms, cache counters', async () => {
		const before = parseMetrics(await app.ctx.observability.scrape());
		expect(sumOf(before, 'switchyard_runs_total')).toBe(0);
		const run = await app.ctx.orchestrator.start({
			roomId: app.room.id,
			authorId: app.user.id,
			request: { prompt: 'How do rooms work?', mode: 'orchestrated', sampling: { maxTokens: 16, seed: 1 }, approvalGate: false }
		});
		const done = await app.ctx.orchestrator.waitForRun(run.id);
		const after = parseMetrics(await app.ctx.observability.scrape());
		expect(after.get(`switchyard_runs_total{status="succeeded",mode="orchestrated",task="chat",model="${done!.modelId}"}`)).toBe(1);
		for (const node of ['taskAnalyzer', 'modelRouter', 'executor', 'outputValidator', 'summarizer']) {
			expect(after.get(`switchyard_node_duration_seconds_count{node="${node}"}`)).toBe(1);
		}
		expect(after.get(`switchyard_time_to_first_token_seconds_count{model="${done!.modelId}"}`)).toBe(1);
		expect(sumOf(after, 'switchyard_model_cache_misses_total')).toBeGreaterThanOrEqual(1);
		expect(after.get(`switchyard_model_load_seconds_count{model="${done!.modelId}"}`)).toBe(1);
		expect(after.get('switchyard_model_cache_loaded_bytes')).toBeGreaterThan(0);
		expect(after.has('switchyard_process_resident_memory_bytes')).toBe(true);
	});

	it('take telemetry samples on this CPU-only machine and report no GPU plainly', async () => {
		const sample = await app.ctx.observability.sampler.sampleNow();
		expect(sample!.gpu.available).toBe(false);
		// llama.cpp's own VRAM figures travel beside nvidia-smi's: all zero on a CPU-only build, but read (not null).
		expect(sample!.gpu.llamaVram).toEqual({ total: 0, used: 0, free: 0 });
		expect(sample!.memory.totalBytes).toBeGreaterThan(0);
		expect(sample!.modelCache.loadedModels).toBeGreaterThanOrEqual(1);
	});
});

describe('readiness', () => {
	it('passes with a reachable database and models folder', async () => {
		const checks = await app.ctx.readiness();
		expect(checks.map((c) => [c.name, c.ok])).toEqual([
			['database', true],
			['models_dir', true]
		]);
	});

	it('fails, naming the check, when the database is unreachable', async () => {
		const db = new Kysely<never>({
			dialect: new PostgresDialect({
				pool: new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 })
			})
		});
		const checks = await readinessChecks({ db: db as never, modelsDir: '/nonexistent/models' })();
		expect(checks.find((c) => c.name === 'database')).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED|connect/) });
		expect(checks.find((c) => c.name === 'models_dir')).toMatchObject({ ok: false });
		await db.destroy();
	});
});
