// `npm run fuzz -- --count 100000 [--seed N]`: the suite's fuzz test (tests/integration/fuzz.test.ts) at length,
// with its figures written to bench/results/fuzz.json. The test itself asserts what must hold.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** @param {string} name @param {string} fallback */
const arg = (name, fallback) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > -1 ? process.argv[i + 1] : fallback;
};
const count = Number(arg('count', '100000'));
const seed = Number(arg('seed', String(Date.now() % 2 ** 31)));
if (!Number.isInteger(count) || count < 1) {
	console.error('--count must be a positive whole number');
	process.exit(2);
}
mkdirSync('bench/results', { recursive: true });
const result = spawnSync('npx', ['vitest', 'run', 'tests/integration/fuzz.test.ts'], {
	stdio: 'inherit',
	env: { ...process.env, FUZZ_COUNT: String(count), FUZZ_SEED: String(seed), FUZZ_REPORT: 'bench/results/fuzz.json' }
});
process.exit(result.status ?? 1);
