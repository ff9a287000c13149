// Captures the README's screenshots from a running server: `tsx scripts/screenshots.ts http://localhost:3000`.
// Two people in a room: Ann writes the prompt with Bo, runs it, and the room shows the finished run (light and dark),
// then a run waiting for approval.
import { chromium, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';

const base = process.argv[2] ?? 'http://localhost:3000';
const out = 'docs/screenshots';

async function signUp(page: Page, name: string) {
	await page.goto(`${base}/signup`);
	await page.getByLabel('Name').fill(name);
	await page.getByLabel('Email').fill(`${name.split(' ')[0].toLowerCase()}-${randomBytes(3).toString('hex')}@example.com`);
	await page.getByLabel('Password').fill('correct horse battery');
	await page.getByRole('button', { name: 'Sign up' }).click();
	await page.waitForURL(/\/rooms$/);
}

async function typeAtEnd(page: Page, text: string) {
	await page.locator('[data-testid=prompt-editor] .cm-content').click();
	await page.keyboard.press('Control+End');
	await page.keyboard.type(text, { delay: 5 });
}

const status = (page: Page, value: string) => page.locator(`[data-testid=run-output][data-status=${value}]`).waitFor({ timeout: 60_000 });

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu']
});
const ann = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
const bob = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
await signUp(ann, 'Ann Lee');
await signUp(bob, 'Bo Chen');
await ann.getByLabel('Name').fill('Launch review');
await ann.getByRole('button', { name: 'Create room' }).click();
await ann.waitForURL(/\/rooms\/[a-z2-7]+$/);
await bob.goto(await ann.getByTestId('invite-link').inputValue());
await ann.getByTestId('presence-list').getByText('Bo Chen').waitFor();

await typeAtEnd(ann, 'Explain how a prompt room keeps everyone in sync while a run streams.\n\n');
await typeAtEnd(bob, 'Answer in three short paragraphs, with one code example.');
await ann.keyboard.press('Control+Enter');
await status(ann, 'succeeded');
await ann.getByTestId('graph-node-modelRouter').click();
await typeAtEnd(bob, ' ');
await ann.waitForTimeout(800);
await ann.screenshot({ path: `${out}/room.png` });
await ann.evaluate(() => document.documentElement.classList.add('dark'));
await ann.waitForTimeout(300);
await ann.screenshot({ path: `${out}/room-dark.png` });
await ann.evaluate(() => document.documentElement.classList.remove('dark'));

// A run that waits for someone's approval, as both see it.
await ann.getByTestId('graph-node-modelRouter').click();
await ann.getByTestId('approval-gate').check();
await bob.getByTestId('run-button').click();
await ann.getByTestId('approval-banner').waitFor();
await ann.getByRole('tab', { name: /Telemetry/ }).click();
await ann.waitForTimeout(1500);
await ann.screenshot({ path: `${out}/room-approval.png` });
await bob.getByTestId('approval-banner').getByTestId('approve-button').click();
await status(ann, 'succeeded');

// The admin page (Ann signed up first on a fresh server, so she is the admin).
await ann.goto(`${base}/admin`);
await ann.getByTestId('admin-models-table').waitFor();
await ann.waitForTimeout(500);
await ann.screenshot({ path: `${out}/admin.png`, fullPage: true });
await browser.close();
