// `npm start` promises a running app on a fresh clone: build SvelteKit once when no build exists yet.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('build/handler.js') || process.env.SWITCHYARD_REBUILD === '1') {
	console.log('No production build yet: building (one time, ~30 s)…');
	const result = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
	if (result.status !== 0) process.exit(result.status ?? 1);
}
