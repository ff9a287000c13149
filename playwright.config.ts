import { defineConfig } from '@playwright/test';

// One production server (the real build, real SQLite in a scratch folder) serves both projects:
// `api` exercises the REST endpoints over HTTP, `e2e` drives Debian's Chromium (never a downloaded browser).
const PORT = Number(process.env.E2E_PORT ?? 4173);
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The server seeds this admin (ADMIN_EMAIL/ADMIN_PASSWORD): the shared server already has users when admin specs run. */
export const E2E_ADMIN = { email: 'admin@e2e.example.com', password: 'e2e admin password' };

export default defineConfig({
	testDir: 'tests',
	timeout: 30_000,
	expect: { timeout: 10_000 },
	fullyParallel: false,
	workers: 1,
	reporter: process.env.CI ? 'list' : [['list']],
	use: { baseURL: `http://localhost:${PORT}`, trace: 'retain-on-failure' },
	projects: [
		{ name: 'api', testDir: 'tests/api' },
		{
			name: 'e2e',
			testDir: 'tests/e2e',
			testMatch: /.*\.e2e\.ts$/,
			use: {
				browserName: 'chromium',
				launchOptions: {
					executablePath: chromium,
					args: [
						'--no-sandbox',
						'--disable-gpu',
						'--disable-background-networking',
						'--disable-component-update',
						'--disable-sync',
						'--no-first-run'
					]
				}
			}
		}
	],
	webServer: {
		command: `rm -rf .e2e-data && tsx server/index.ts`,
		env: {
			PORT: String(PORT),
			HOST: '127.0.0.1',
			DATA_DIR: '.e2e-data',
			// Every spec signs up, logs in and creates rooms from 127.0.0.1: the per-address and per-user buckets are
			// raised (their own tests lower them: tests/integration/*-limits.test.ts).
			LOGIN_RATE_PER_MINUTE: '1000',
			LOGIN_ADDRESS_RATE_PER_MINUTE: '1000',
			SIGNUP_RATE_PER_MINUTE: '1000',
			ROOM_CREATE_RATE_PER_MINUTE: '1000',
			API_KEY_CREATE_RATE_PER_MINUTE: '1000',
			ROOM_JOIN_RATE_PER_MINUTE: '1000',
			RUN_REPLAY_RATE_PER_MINUTE: '1000',
			LOG_LEVEL: 'warn',
			NODE_ENV: 'production',
			ADMIN_EMAIL: E2E_ADMIN.email,
			ADMIN_PASSWORD: E2E_ADMIN.password,
			// hf: pulls resolve to a closed local port and fail fast: tests never download from the internet.
			HF_ENDPOINT: 'http://127.0.0.1:9/',
			MODEL_ENDPOINT: 'http://127.0.0.1:9/'
		},
		url: `http://localhost:${PORT}/api/health`,
		reuseExistingServer: false,
		timeout: 60_000
	}
});
