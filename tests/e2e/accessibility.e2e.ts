// Accessibility and small screens, checked in the real browser: axe-core finds no serious or critical violation on
// sign-in, rooms, a live room (after a run) and admin, in the light and the dark theme (contrast included); the room
// is usable by keyboard alone with a visible focus ring; at 390 px wide the room stacks and nothing scrolls sideways.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { E2E_ADMIN } from '../../playwright.config';
import { docScreenshot, expectPrompt, output, signUp } from './helpers';

test.describe.configure({ timeout: 120_000 });

/** Serious and critical violations, each as "rule: target, …" so a failure names what to fix. */
async function seriousViolations(page: Page): Promise<string[]> {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.any[0]?.message ?? ''}`).join(', ')}`);
}

async function logInAsAdmin(page: Page) {
	await page.goto('/login');
	await page.getByLabel('Email').fill(E2E_ADMIN.email);
	await page.getByLabel('Password').fill(E2E_ADMIN.password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByTestId('current-user')).toContainText('admin');
}

/** Types a prompt and runs it with the tiny model directly, all by keyboard; waits for the answer. */
async function runByKeyboard(page: Page) {
	await page.keyboard.press('e'); // the "edit" shortcut focuses the prompt
	await page.keyboard.type('List two colours.');
	await expectPrompt(page, 'List two colours.');
	await page.getByTestId('mode-direct').focus();
	await page.keyboard.press('Space');
	await page.getByTestId('model-select').selectOption('sy-tiny');
	await page.getByTestId('run-button').focus();
	await page.keyboard.press('Enter');
	await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
}

for (const colorScheme of ['light', 'dark'] as const) {
	test(`axe: sign-in, rooms, a live room and admin have no serious or critical violations (${colorScheme} theme)`, async ({ browser }) => {
		const context = await browser.newContext({ colorScheme });
		const page = await context.newPage();
		await page.goto('/login');
		expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(colorScheme === 'dark');
		expect(await seriousViolations(page)).toEqual([]);

		await logInAsAdmin(page);
		await page.goto('/rooms');
		expect(await seriousViolations(page)).toEqual([]);

		await page.getByLabel('Name').fill(`Checked room (${colorScheme})`);
		await page.getByRole('button', { name: 'Create room' }).click();
		await expect(page.getByTestId('connection-status')).toHaveText('live');
		await runByKeyboard(page);
		expect(await seriousViolations(page)).toEqual([]);
		if (colorScheme === 'dark') await docScreenshot(page, 'room-dark');

		await page.goto('/admin');
		await expect(page.getByTestId('admin-live')).toHaveText('live');
		expect(await seriousViolations(page)).toEqual([]);
		if (colorScheme === 'light') await docScreenshot(page, 'admin');
		await context.close();
	});
}

test('keyboard: every control of the room is reachable by Tab and shows a visible focus ring', async ({ page }) => {
	await signUp(page, 'Kim');
	await page.getByLabel('Name').fill('Keyboard room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');

	await page.keyboard.press('e'); // the "edit" shortcut: Run is enabled once the prompt has text
	await page.keyboard.type('Hello.');
	await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
	const reached = new Set<string>();
	for (let i = 0; i < 60; i++) {
		await page.keyboard.press('Tab');
		const focused = await page.evaluate(() => {
			const el = document.activeElement as HTMLElement | null;
			if (!el || el === document.body) return null;
			// The ring may be drawn by the control or by its frame (the prompt editor's box rings while it has focus).
			const rings = (node: Element) => {
				const style = getComputedStyle(node);
				return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
			};
			let visible = false;
			for (let node: Element | null = el, depth = 0; node && depth < 4 && !visible; node = node.parentElement, depth++)
				visible = rings(node);
			return { id: el.dataset.testid ?? el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName, visible };
		});
		if (!focused) continue;
		expect(focused.visible, `focus ring on ${focused.id}`).toBe(true);
		reached.add(focused.id);
	}
	for (const control of ['run-button', 'model-select', 'history-search']) expect([...reached]).toContain(control);
	expect([...reached].some((id) => id.startsWith('Keyboard shortcuts'))).toBe(true);
});

test('at 390 px wide the room stacks (prompt, output, graph, panels) and nothing scrolls sideways', async ({ browser }) => {
	const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	await signUp(page, 'Nia');
	await page.getByLabel('Name').fill('Narrow room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');

	const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	expect(await overflow()).toBeLessThanOrEqual(0);
	const prompt = (await page.getByRole('region', { name: 'Shared prompt' }).boundingBox())!;
	const graph = (await page.getByRole('region', { name: 'Run graph' }).boundingBox())!;
	const tabs = (await page.getByRole('tablist', { name: 'Room panels' }).boundingBox())!;
	expect(prompt.x + prompt.width).toBeLessThanOrEqual(390);
	expect(graph.y).toBeGreaterThanOrEqual(prompt.y + prompt.height);
	expect(tabs.y).toBeGreaterThanOrEqual(graph.y + graph.height);
	expect(graph.width).toBeLessThanOrEqual(390);
	await docScreenshot(page, 'room-narrow');
	await page.getByRole('tab', { name: 'People' }).click();
	await expect(page.getByTestId('member-list')).toBeVisible();
	expect(await overflow()).toBeLessThanOrEqual(0);
	await context.close();
});
