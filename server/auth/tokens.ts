import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { randomBytes } from 'node:crypto';

/** 120 bits of randomness, base32: ids and secrets alike (Lucia's guide). */
export function randomToken(bytes = 15): string {
	return encodeBase32LowerCaseNoPadding(randomBytes(bytes));
}

export function hashSecret(secret: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

/** Constant-time comparison of a presented secret with a stored SHA-256 hex hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
	const presented = new TextEncoder().encode(hashSecret(secret));
	const stored = new TextEncoder().encode(storedHash);
	return presented.length === stored.length && constantTimeEqual(presented, stored);
}

/** Splits "<id>.<secret>" (after an optional prefix); null when the shape is wrong. */
export function splitToken(token: string, prefix = ''): { id: string; secret: string } | null {
	if (!token.startsWith(prefix)) return null;
	const parts = token.slice(prefix.length).split('.');
	if (parts.length !== 2 || !/^[a-z2-7]{8,64}$/.test(parts[0]) || !/^[a-z2-7]{8,64}$/.test(parts[1])) return null;
	return { id: parts[0], secret: parts[1] };
}
