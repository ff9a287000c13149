import { describe, expect, it } from 'vitest';
import { RateLimit } from './rate-limits';

describe('RateLimit', () => {
	it('refuses past its bucket with a message that names the variable and when to retry', () => {
		let now = 0;
		const limit = new RateLimit('ROOM_CREATE_RATE_PER_MINUTE', 2, 'rooms created', () => now);
		expect([limit.take('ann').ok, limit.take('ann').ok]).toEqual([true, true]);
		expect(limit.take('ann')).toEqual({
			ok: false,
			error: { code: 'rate_limited', message: 'Too many rooms created (ROOM_CREATE_RATE_PER_MINUTE: 2 per minute); retry in 30 s' }
		});
		expect(limit.retryAfterSeconds('ann')).toBe(30);
		expect(limit.take('bob').ok).toBe(true);
		now += 30_000;
		expect(limit.take('ann').ok).toBe(true);
	});
});
