// Shared steps for the browser tests: people sign up in their own browser contexts and meet in a room.
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';

export async function signUp(page: Page, name: string) {
	await page.goto('/signup');
	await page.getByLabel('Name').fill(name);
	await page.getByLabel('Email').fill(`${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`);
	await page.getByLabel('Password').fill('correct horse battery');
	await page.getByRole('button', { name: 'Sign up' }).click();
	await expect(page).toHaveURL(/\/rooms$/);
}

/** Two people in their own contexts: Ann creates a private room and invites Bob; both end up live in it. */
export async function twoInARoom(browser: Browser, options: { roomName?: string; setUpAnn?: (page: Page) => Promise<void> } = {}) {
	const roomName = options.roomName ?? 'Launch review';
	const annContext = await browser.newContext({ viewport: { width: 1366, height: 900 } });
	const bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const ann = await annContext.newPage();
	const bob = await bobContext.newPage();
	await options.setUpAnn?.(ann);
	await signUp(ann, 'Ann');
	await signUp(bob, 'Bob');
	await ann.getByLabel('Name').fill(roomName);
	await ann.getByRole('button', { name: 'Create room' }).click();
	await expect(ann).toHaveURL(/\/rooms\/[a-z2-7]+$/);
	const inviteUrl = await ann.getByTestId('invite-link').inputValue();
	await bob.goto(inviteUrl);
	await bob.getByRole('button', { name: 'Join room' }).click(); // the link shows a confirmation; joining is a POST
	for (const page of [ann, bob]) {
		await expect(page.getByTestId('connection-status')).toHaveText('live');
		await expect(page.locator('[data-testid=prompt-editor] .cm-content')).toBeVisible();
	}
	const roomId = new URL(ann.url()).pathname.split('/').at(-1)!;
	return {
		ann,
		bob,
		roomId,
		close: async () => {
			await annContext.close();
			await bobContext.close();
		}
	};
}

export const editor = (page: Page) => page.locator('[data-testid=prompt-editor] .cm-content');

/** The prompt's text as the editor shows it, without the others' carets (their name labels sit inside the text). */
export function promptText(page: Page): Promise<string> {
	return editor(page).evaluate((el) => {
		const copy = el.cloneNode(true) as HTMLElement;
		for (const caret of copy.querySelectorAll('.cm-ySelectionCaret')) caret.remove();
		return [...copy.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '').join('\n');
	});
}

/** Waits until the prompt (carets aside) contains `text`. */
export async function expectPrompt(page: Page, text: string) {
	await expect.poll(() => promptText(page)).toContain(text);
}

/** Types at the end of the shared prompt. */
export async function typeInPrompt(page: Page, text: string) {
	await editor(page).click();
	await page.keyboard.press('Control+End');
	await page.keyboard.type(text);
}

export const node = (page: Page, name: string) => page.getByTestId(`graph-node-${name}`);
export const output = (page: Page) => page.getByTestId('run-output');

/**
 * Records every data-status a graph node takes (with the time) in `window.__nodeLog`, so a test can check the
 * order nodes went through after the fact, however fast they were.
 */
export async function recordNodeStatuses(page: Page) {
	await page.evaluate(() => {
		const w = window as unknown as { __nodeLog: { node: string; status: string; at: number }[] };
		w.__nodeLog = [];
		const observer = new MutationObserver((records) => {
			for (const r of records) {
				const el = r.target as HTMLElement;
				const id = el.dataset.testid ?? '';
				if (id.startsWith('graph-node-'))
					w.__nodeLog.push({ node: id.slice('graph-node-'.length), status: el.dataset.status ?? '', at: performance.now() });
			}
		});
		observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
	});
}

export async function nodeLog(page: Page): Promise<{ node: string; status: string; at: number }[]> {
	return page.evaluate(() => (window as unknown as { __nodeLog: { node: string; status: string; at: number }[] }).__nodeLog);
}

/** When each node was first seen with `status` (Infinity if never). */
export function firstSeen(log: { node: string; status: string; at: number }[], name: string, status: string): number {
	return log.find((e) => e.node === name && e.status === status)?.at ?? Infinity;
}

/**
 * The README's screenshots come from the tests: with UPDATE_SCREENSHOTS=1 a test writes its picture to
 * docs/screenshots/<name>.png (the whole page, or one part of it); otherwise this does nothing.
 */
export async function docScreenshot(page: Page, name: string, part?: Locator) {
	if (!process.env.UPDATE_SCREENSHOTS) return;
	const path = `docs/screenshots/${name}.png`;
	await page.evaluate(() => document.fonts.ready);
	if (part) await part.screenshot({ path, animations: 'disabled' });
	else await page.screenshot({ path, animations: 'disabled' });
}
