// Writes docs/SECURITY.md (threat model + authorization matrix) from tests/security/matrix.ts.
// `npm run security:docs` regenerates it; `npm run security:docs -- --check` only says whether it is up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderSecurityDoc } from '../tests/security/security-doc';

const file = fileURLToPath(new URL('../docs/SECURITY.md', import.meta.url));
const rendered = renderSecurityDoc();

if (process.argv.includes('--check')) {
	let current = '';
	try {
		current = readFileSync(file, 'utf8');
	} catch {
		// missing counts as out of date
	}
	if (current !== rendered) {
		console.error('docs/SECURITY.md is out of date: run `npm run security:docs`');
		process.exit(1);
	}
	console.log('docs/SECURITY.md is up to date');
} else {
	writeFileSync(file, rendered);
	console.log(`wrote docs/SECURITY.md (${rendered.length} characters)`);
}
