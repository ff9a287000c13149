// Progress where people wait: a queued run shows its place in the room's queue; an admin pulls a GGUF file by URL
// (validated) and watches bytes, speed and time left; the pulled model then shows up in the rooms' model list.
// The file is served by this test on loopback, slowly enough to watch: nothing is downloaded from the internet.
import { expect, test, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { E2E_ADMIN } from '../../playwright.config';
import { docScreenshot, expectPrompt, output, signUp, typeInPrompt } from './helpers';

test.describe.configure({ timeout: 90_000 });

/** Serves one GGUF file in 64 KiB pieces every 120 ms (about 2 s for the tiny model): slow enough to see progress. */
async function slowFileServer(file: Buffer): Promise<{ server: Server; port: number }> {
	const server = createServer((req, res) => {
		res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.length, 'accept-ranges': 'none' });
		if (req.method === 'HEAD') return res.end();
		let at = 0;
		const timer = setInterval(() => {
			const piece = file.subarray(at, at + 64 * 1024);
			at += piece.length;
			if (piece.length) res.write(piece);
			if (at >= file.length) {
				clearInterval(timer);
				res.end();
			}
		}, 120);
		res.on('close', () => clearInterval(timer));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { server, port: (server.address() as AddressInfo).port };
}

async function logInAsAdmin(page: Page) {
	await page.goto('/login');
	await page.getByLabel('Email').fill(E2E_ADMIN.email);
	await page.getByLabel('Password').fill(E2E_ADMIN.password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByTestId('current-user')).toContainText('admin');
}

test('a run started while another is going shows its place in the room’s queue, then runs', async ({ page }) => {
	await signUp(page, 'Quinn');
	await page.getByLabel('Name').fill('Queue room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');
	await typeInPrompt(page, 'Describe how a queue works, in detail.');
	await expectPrompt(page, 'how a queue works');
	const roomId = new URL(page.url()).pathname.split('/').at(-1)!;

	// Every place the page showed, recorded as it happens (a queued run may wait only a moment on a fast machine).
	await page.evaluate(() => {
		const w = window as unknown as { __places: string[] };
		w.__places = [];
		new MutationObserver(() => {
			const place = document.querySelector('[data-testid=queue-place]')?.textContent?.trim();
			if (place && w.__places.at(-1) !== place) w.__places.push(place);
		}).observe(document.body, { subtree: true, childList: true, characterData: true });
	});
	// Two teammates start runs at the same moment: the second waits behind the first.
	const [first, second] = await Promise.all([0, 1].map(() => page.request.post('/api/runs', { data: { roomId } })));
	expect([first.status(), second.status()]).toEqual([201, 201]);
	const ids = [(await first.json()).id as string, (await second.json()).id as string];
	await expect(output(page)).toHaveAttribute('data-run-id', new RegExp(`^(${ids.join('|')})$`));
	for (const id of ids)
		await expect.poll(async () => (await (await page.request.get(`/api/runs/${id}`)).json()).status, { timeout: 60_000 }).toBe('succeeded');
	const places = await page.evaluate(() => (window as unknown as { __places: string[] }).__places);
	expect(places).toContain('2nd in the room’s queue · 1 ahead');
	await expect(page.getByTestId('queue-place')).toHaveCount(0);
});

test('an admin pulls a GGUF URL with bytes, speed and time left; every room then lists the model', async ({ page }) => {
	const file = readFileSync(path.join('models', 'generated', 'sy-tiny.gguf'));
	const name = `sy-tiny-mirror-${randomBytes(3).toString('hex')}`;
	const { server, port } = await slowFileServer(file);
	try {
		await logInAsAdmin(page);
		await page.goto('/admin');
		await expect(page.getByTestId('admin-live')).toHaveText('live');

		// Validated before anything is fetched: in the page, and again by the server.
		await page.getByTestId('pull-uri').fill('ftp://127.0.0.1/model.gguf');
		await page.getByTestId('pull-submit').click();
		await expect(page.getByRole('alert').filter({ hasText: 'must be hf:' })).toBeVisible();
		const plainHttp = await page.request.post('/api/admin/models/pull', { data: { uri: 'http://example.com/model.gguf' } });
		expect(plainHttp.status()).toBe(400);
		const traversal = await page.request.post('/api/admin/models/pull', { data: { uri: 'hf:user/repo/../../etc.gguf' } });
		expect(traversal.status()).toBe(400);

		// `localhost`, not 127.0.0.1: the test server's HF_ENDPOINT is on 127.0.0.1, and node-llama-cpp reads URLs on
		// the Hugging Face endpoint's host as Hugging Face URLs.
		await page.getByTestId('pull-uri').fill(`http://localhost:${port}/files/${name}.gguf`);
		await page.getByTestId('pull-submit').click();
		const row = page.locator(`[data-testid=pull-progress][data-model=${name}]`);
		await expect(row).toHaveAttribute('data-status', 'running');
		await expect(row.getByTestId('pull-progress-text')).toHaveText(/^[\d.]+ [KM]iB of 1\.1 MiB · [\d.]+ [KM]iB\/s · [\d.]+ (ms|s) left$/);
		await expect(row.getByRole('progressbar')).toBeVisible();
		await docScreenshot(page, 'admin-pull');
		await expect(row).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
		await expect(row.getByTestId('pull-progress-text')).toHaveText(/^1\.1 MiB in [\d.]+ s$/);

		// Pulling the same file again is refused: the name is taken.
		const again = await page.request.post('/api/admin/models/pull', { data: { uri: `http://localhost:${port}/files/${name}.gguf` } });
		expect(again.status()).toBe(409);

		await page.goto('/rooms');
		await page.getByLabel('Name').fill('Mirror room');
		await page.getByRole('button', { name: 'Create room' }).click();
		await expect(page.getByTestId('model-select').locator(`option[value="${name}"]`)).toHaveCount(1);
	} finally {
		server.close();
		rmSync(path.join('models', 'pulled', `${name}.gguf`), { force: true });
	}
});

test('a model loading for a run shows a progress bar with its name and size', async ({ page }) => {
	await logInAsAdmin(page);
	await page.goto('/rooms');
	await page.getByLabel('Name').fill('Loading room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');
	// Every load the bar showed, recorded as it happens (a small model loads in a blink).
	await page.evaluate(() => {
		const w = window as unknown as { __loads: string[] };
		w.__loads = [];
		new MutationObserver(() => {
			const bar = document.querySelector('[data-testid=model-load-progress]');
			if (bar) w.__loads.push(bar.textContent?.replace(/\s+/g, ' ').trim() ?? '');
		}).observe(document.body, { subtree: true, childList: true, characterData: true });
	});
	await typeInPrompt(page, 'Reason about loading.');
	await expectPrompt(page, 'Reason about loading.');
	await page.getByText('Direct', { exact: true }).click();
	await page.getByTestId('model-select').selectOption('sy-reason');
	const unloaded = await page.request.post('/api/admin/models/sy-reason/unload'); // 404 when it is not loaded
	expect([200, 404]).toContain(unloaded.status());
	await page.getByTestId('run-button').click();
	await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
	const loads = await page.evaluate(() => (window as unknown as { __loads: string[] }).__loads);
	expect(loads.length).toBeGreaterThan(0);
	expect(loads[0]).toMatch(/^Loading sy-reason \(7\.\d MiB\) \d+%$/);
	await expect(page.getByTestId('model-load-progress')).toHaveCount(0);
	// The bar's figures are node-llama-cpp's own load progress, carried as model.progress events up to 100%.
	const runId = await output(page).getAttribute('data-run-id');
	const { events } = (await (await page.request.get(`/api/runs/${runId}/events?after=0`)).json()) as {
		events: { type: string; data: { fraction?: number } }[];
	};
	const fractions = events.filter((e) => e.type === 'model.progress').map((e) => e.data.fraction);
	expect(fractions.at(-1)).toBe(1);
});
