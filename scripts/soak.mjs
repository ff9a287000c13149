// `npm run soak [-- --minutes 10]`: the suite's soak test (tests/integration/soak.test.ts) at length, loopback only,
// with its figures written to bench/results/soak.json. The test itself asserts what must hold.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const i = process.argv.indexOf('--minutes');
const minutes = Number(i > -1 ? process.argv[i + 1] : '10');
if (!(minutes > 0 && minutes <= 120)) {
	console.error('--minutes must be a number from 0 to 120');
	process.exit(2);
}
mkdirSync('bench/results', { recursive: true });
const result = spawnSync('npx', ['vitest', 'run', 'tests/integration/soak.test.ts'], {
	stdio: 'inherit',
	env: { ...process.env, SOAK_MS: String(Math.round(minutes * 60_000)), SOAK_REPORT: 'bench/results/soak.json' }
});
process.exit(result.status ?? 1);
