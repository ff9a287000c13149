import { defineConfig } from 'vitest/config';

// Unit and integration tests for server/ and the shared contract. Pages are covered by Playwright (tests/e2e).
export default defineConfig({
	test: {
		include: ['server/**/*.test.ts', 'src/lib/**/*.test.ts', 'tests/integration/**/*.test.ts'],
		environment: 'node',
		testTimeout: 30_000,
		hookTimeout: 60_000,
		pool: 'forks',
		fileParallelism: true
	}
});
