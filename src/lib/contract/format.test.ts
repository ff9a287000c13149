import { describe, expect, it } from 'vitest';
import { formatBytes, formatMs } from './format';

describe('formatBytes', () => {
	it('picks the unit and the precision', () => {
		expect([formatBytes(512), formatBytes(3.4 * 1024 * 1024), formatBytes(12 * 1024 ** 3), formatBytes(null)]).toEqual([
			'512 B',
			'3.4 MiB',
			'12 GiB',
			'—'
		]);
	});
});

describe('formatMs', () => {
	it('reads like a person would say it', () => {
		expect([
			formatMs(4.2),
			formatMs(840),
			formatMs(3200),
			formatMs(125_000),
			formatMs(600_000),
			formatMs(5_400_000 * 2),
			formatMs(undefined)
		]).toEqual(['4.2 ms', '840 ms', '3.2 s', '2 min 5 s', '10 min', '3.0 h', '—']);
	});
});
