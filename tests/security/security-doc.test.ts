import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MATRIX, ROLES } from './matrix';
import { renderSecurityDoc } from './security-doc';

describe('docs/SECURITY.md', () => {
	it('is exactly what `npm run security:docs` writes from the authorization matrix', () => {
		const committed = readFileSync(new URL('../../docs/SECURITY.md', import.meta.url), 'utf8');
		expect(committed, 'docs/SECURITY.md is out of date: run `npm run security:docs`').toBe(renderSecurityDoc());
	});

	it('has one table line per matrix row with one cell per role', () => {
		const doc = renderSecurityDoc();
		const lines = doc.split('\n').filter((line) => line.startsWith('| `'));
		const matrixLines = lines.filter((line) => line.split(' | ').length === ROLES.length + 2);
		expect(matrixLines).toHaveLength(MATRIX.length);
	});
});
