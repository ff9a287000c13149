import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Unit and integration tests for server/, the shared contract and the browser's rune classes (src/lib/**/*.svelte.ts,
// compiled by the Svelte plugin). Pages are covered by Playwright (tests/e2e).
export default defineConfig({
	plugins: [svelte()],
	// SvelteKit's aliases, so tests can call route handlers (src/routes/**/+server.ts) directly.
	resolve: { alias: { $contract: here('./src/lib/contract'), $lib: here('./src/lib') } },
	test: {
		include: [
			'server/**/*.test.ts',
			'src/lib/**/*.test.ts',
			'tests/integration/**/*.test.ts',
			'tests/cluster/**/*.test.ts',
			'tests/security/**/*.test.ts'
		],
		environment: 'node',
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: 'forks',
		fileParallelism: true
	}
});
