import { describe, expect, it } from 'vitest';
import { describePreview, listNames, toAdminPreview } from './preview-text';

const MiB = 1024 * 1024;

describe('eviction preview text', () => {
	it('lists names the way people write them', () => {
		expect(listNames([])).toBe('');
		expect(listNames(['a'])).toBe('a');
		expect(listNames(['a', 'b'])).toBe('a and b');
		expect(listNames(['a', 'b', 'c'])).toBe('a, b and c');
	});

	it('says which models a load would evict', () => {
		const p = {
			modelId: 'sy-code',
			loaded: false,
			fits: true,
			needs: { ramBytes: 43 * MiB, vramBytes: 0 },
			evicts: ['sy-tiny', 'sy-chat-small']
		};
		expect(describePreview(p)).toBe('Loading sy-code (43 MiB RAM) would evict sy-tiny and sy-chat-small.');
		expect(toAdminPreview(p)).toEqual({ ...p, reason: null, text: describePreview(p) });
	});

	it('says when nothing is evicted, counts VRAM when there is some, and says why a model cannot load', () => {
		expect(describePreview({ modelId: 'm', loaded: false, fits: true, needs: { ramBytes: 2 * MiB, vramBytes: 3 * MiB }, evicts: [] })).toBe(
			'Loading m (2.0 MiB RAM + 3.0 MiB VRAM) fits without evicting anything.'
		);
		expect(
			describePreview({
				modelId: 'm',
				loaded: false,
				fits: false,
				needs: { ramBytes: 1, vramBytes: 0 },
				evicts: [],
				reason: 'not enough free memory while a (pinned) stay loaded'
			})
		).toBe('m cannot be loaded now: not enough free memory while a (pinned) stay loaded.');
		expect(describePreview({ modelId: 'm', loaded: true, fits: true, needs: { ramBytes: 1, vramBytes: 0 }, evicts: [] })).toMatch(
			/already loaded/
		);
	});
});
