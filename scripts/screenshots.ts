// Captures the README's screenshots from a running server: `tsx scripts/screenshots.ts http://localhost:3000`.
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

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const ann = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
const bob = await (await browser.newContext()).newPage();
await signUp(ann, 'Ann Lee');
await signUp(bob, 'Bo Chen');
await ann.getByLabel('Name').fill('Launch review');
await ann.getByRole('button', { name: 'Create room' }).click();
await ann.waitForURL(/\/rooms\/[a-z2-7]+$/);
await bob.goto(await ann.getByTestId('invite-link').inputValue());
await ann.getByTestId('presence-list').getByText('Bo Chen').waitFor();
await ann.screenshot({ path: `${out}/room.png` });
await ann.evaluate(() => document.documentElement.classList.add('dark'));
await ann.screenshot({ path: `${out}/room-dark.png` });
await browser.close();
