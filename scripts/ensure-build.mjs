// `npm start` promises a running app on a fresh clone: build SvelteKit when there is no build yet, or when the
// app's sources changed since the last one (e.g. after a git pull).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const BUILD = 'build/handler.js';
const SOURCES = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json'];

/** @param {string} entry @returns {number} */
function newestMtime(entry) {
	if (!existsSync(entry)) return 0;
	const stat = statSync(entry);
	if (!stat.isDirectory()) return stat.mtimeMs;
	return readdirSync(entry).reduce(
		(/** @type {number} */ newest, name) => Math.max(newest, newestMtime(path.join(entry, name))),
		stat.mtimeMs
	);
}

const stale = !existsSync(BUILD) || Math.max(...SOURCES.map(newestMtime)) > statSync(BUILD).mtimeMs;
if (stale || process.env.SWITCHYARD_REBUILD === '1') {
	console.log(
		existsSync(BUILD) ? 'Sources changed since the last build: rebuilding…' : 'No production build yet: building (one time, ~30 s)…'
	);
	const result = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
	if (result.status !== 0) process.exit(result.status ?? 1);
}
