import { describe, expect, it } from 'vitest';
import type { ModelStatus } from '../models/manager';
import type { ModelInfo } from '../models/service';
import { cacheStats, joinModels } from './overview';

const info = (id: string, extra: Partial<ModelInfo> = {}): ModelInfo => ({
	id,
	displayName: id.toUpperCase(),
	present: true,
	origin: 'catalog',
	capabilities: ['chat'],
	quality: { chat: 0.1 },
	parameters: '1M',
	quantization: 'F16',
	contextSize: 1024,
	generated: true,
	sizeBytes: 1000,
	...extra
});
const status = (id: string, extra: Partial<ModelStatus> = {}): ModelStatus => ({
	id,
	state: 'ready',
	ramBytes: 10,
	vramBytes: 0,
	leases: 0,
	queued: 0,
	pinned: false,
	keepAliveMs: 600_000,
	lastUsedAt: 5,
	strategy: 'cpu',
	loadMs: 40,
	...extra
});
const settings = {
	pinned: new Set<string>(),
	keepAliveMs: new Map<string, number | null>(),
	defaultKeepAliveMs: 600_000,
	downloadSizes: new Map<string, number>()
};

describe('admin model rows', () => {
	it('joins the list with the cache, loaded models first', () => {
		const rows = joinModels(
			[info('a'), info('b'), info('c', { present: false, sizeBytes: undefined })],
			[status('b', { leases: 2, pinned: true })],
			{
				...settings,
				downloadSizes: new Map([['c', 4e9]])
			}
		);
		expect(rows.map((r) => [r.id, r.state])).toEqual([
			['b', 'ready'],
			['a', 'unloaded'],
			['c', 'unloaded']
		]);
		expect(rows[0]).toMatchObject({ ramBytes: 10, leases: 2, pinned: true, lastUsedAt: 5, loadMs: 40, strategy: 'cpu', sizeBytes: 1000 });
		expect(rows[1]).toMatchObject({ ramBytes: 0, leases: 0, pinned: false, keepAliveMs: 600_000, lastUsedAt: null, strategy: null });
		expect(rows[2]).toMatchObject({ present: false, sizeBytes: null, downloadSizeBytes: 4e9 });
	});

	it('shows pins and keep-alive set while a model is not loaded, and models loaded but no longer listed', () => {
		const rows = joinModels([info('a')], [status('gone')], { ...settings, pinned: new Set(['a']), keepAliveMs: new Map([['a', null]]) });
		expect(rows.find((r) => r.id === 'a')).toMatchObject({ state: 'unloaded', pinned: true, keepAliveMs: null });
		expect(rows.find((r) => r.id === 'gone')).toMatchObject({ origin: 'loaded', state: 'ready', present: false });
	});

	it('averages load time', () => {
		expect(cacheStats({ hits: 1, misses: 2, evictions: 0, loads: 2, failures: 0, loadMsTotal: 90 }).averageLoadMs).toBe(45);
		expect(cacheStats({ hits: 0, misses: 0, evictions: 0, loads: 0, failures: 0, loadMsTotal: 0 }).averageLoadMs).toBeNull();
	});
});
