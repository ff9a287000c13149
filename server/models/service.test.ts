import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../../tests/helpers/models';
import { loadConfig } from '../config';
import { silentLogger } from '../logger';
import { execute } from './executor';
import { ModelService } from './service';

let service: ModelService;
beforeAll(async () => {
	service = await ModelService.create(
		loadConfig({ MODELS_DIR, MODEL_LOAD_CHECK: 'off', MODEL_RAM_BUDGET_MB: '256', MODEL_CONTEXT_SIZE: '2048' }),
		silentLogger()
	);
}, 120_000);
afterAll(() => service.close());

describe('ModelService', () => {
	it('lists the generated models as present and the seed’s 7B models as catalogued but missing', () => {
		const byId = new Map(service.list().map((m) => [m.id, m]));
		for (const id of ['sy-tiny', 'sy-chat-small', 'sy-code', 'sy-reason'])
			expect(byId.get(id)).toMatchObject({ present: true, generated: true });
		const real = service.list().filter((m) => !m.generated && m.origin === 'catalog');
		expect(real.length).toBeGreaterThanOrEqual(4);
		expect(real.map((m) => m.displayName).join(' ')).toMatch(/Mistral.*|Llama 3|DeepSeek/);
		expect(real.every((m) => !m.present || m.sizeBytes)).toBe(true);
	});

	it('derives load specs from the catalogue, capped by MODEL_CONTEXT_SIZE, only for present files', () => {
		expect(service.spec('sy-reason')).toMatchObject({ threads: 1, contextSize: 2048, parallelism: 4 });
		expect(service.spec('sy-tiny')?.contextSize).toBe(1024);
		expect(service.spec('mistral-7b-instruct-v0.2')).toBeUndefined();
		expect(service.spec('nope')).toBeUndefined();
	});

	it('loads through the manager under the configured budget and answers', async () => {
		expect(service.manager.getBudget()).toEqual({ ramBytes: 256 * 1024 * 1024, vramBytes: 0 });
		const needs = await service.estimate('sy-tiny');
		expect(needs?.ramBytes).toBeGreaterThan(0);
		const lease = await service.manager.acquire('sy-tiny');
		const result = await execute(lease, { messages: [{ role: 'user', content: 'hello' }], sampling: { maxTokens: 8 } });
		await lease.release();
		expect(result.metrics.completionTokens).toBeGreaterThan(0);
	});
});
