// Refreshes models/corpus/code from the project's own TypeScript (tracked, non-test files under server/, src/, bench/).
// The generated code model trains on this committed snapshot, not on the live tree, so its bytes only change when
// someone runs this on purpose:   npx tsx server/models/generator/snapshot-corpus.ts
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultCorpusDir, repoRoot } from '../paths';

const codeDir = path.join(defaultCorpusDir, 'code');

export function codeCorpusSources(): string[] {
	const tracked = execFileSync('git', ['ls-files', 'server', 'src', 'bench'], { cwd: repoRoot, encoding: 'utf8' }).split('\n');
	return tracked.filter((f) => f.endsWith('.ts') && !/\.(test|spec|bench)\.ts$|\.d\.ts$|test-support|fixtures\//.test(f)).sort();
}

async function main(): Promise<void> {
	await mkdir(codeDir, { recursive: true });
	for (const stale of await readdir(codeDir)) await rm(path.join(codeDir, stale));
	const sources = codeCorpusSources();
	for (const file of sources) {
		// ".txt" keeps type checkers, linters and test runners away from the copies.
		await writeFile(path.join(codeDir, `${file.replaceAll('/', '__')}.txt`), await readFile(path.join(repoRoot, file), 'utf8'));
	}
	console.log(`${sources.length} files → ${path.relative(repoRoot, codeDir)}; rebuild with: npx tsx server/models/generator/generate.ts`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
