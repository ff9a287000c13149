import { describe, expect, it } from 'vitest';
import { hashSecret, randomToken, secretMatches, splitToken } from './tokens';

describe('tokens', () => {
	it('makes distinct base32 tokens', () => {
		const a = randomToken();
		expect(a).toMatch(/^[a-z2-7]{24}$/);
		expect(randomToken()).not.toBe(a);
	});

	it('matches only the secret whose hash is stored', () => {
		const stored = hashSecret('abcdefgh');
		expect(stored).toHaveLength(64);
		expect(secretMatches('abcdefgh', stored)).toBe(true);
		expect(secretMatches('abcdefgi', stored)).toBe(false);
	});

	it('splits well-formed tokens only', () => {
		expect(splitToken('abcdefgh.ijklmnop')).toEqual({ id: 'abcdefgh', secret: 'ijklmnop' });
		expect(splitToken('sy_abcdefgh.ijklmnop', 'sy_')).toEqual({ id: 'abcdefgh', secret: 'ijklmnop' });
		expect(splitToken('abcdefgh.ijklmnop', 'sy_')).toBeNull();
		expect(splitToken('abcdefgh')).toBeNull();
		expect(splitToken('ABCDEFGH.ijklmnop')).toBeNull();
		expect(splitToken("x'; drop table users;--.y")).toBeNull();
	});
});
