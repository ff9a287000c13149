import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// Unit and integration tests for server/, the shared contract and the browser's rune classes (src/lib/**/*.svelte.ts,
// compiled by the Svelte plugin). Pages are covered by Playwright (tests/e2e).
export default defineConfig({
	plugins: [svelte()],
	test: {
		include: ['server/**/*.test.ts', 'src/lib/**/*.test.ts', 'tests/integration/**/*.test.ts'],
		environment: 'node',
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: 'forks',
		fileParallelism: true
	}
});
