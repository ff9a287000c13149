// The Content-Security-Policy (svelte.config.js) must not break the room: no violation while two people co-edit.
import { expect, test } from '@playwright/test';
import { expectPrompt, twoInARoom, typeInPrompt } from './helpers';

test.describe.configure({ timeout: 90_000 });

test('the room page runs under its CSP without a single violation (scripts, styles, sockets, remote cursors)', async ({ browser }) => {
	const { ann, bob, close } = await twoInARoom(browser, {
		setUpAnn: async (page) => {
			await page.addInitScript(() => {
				const seen: string[] = [];
				(window as unknown as { cspViolations: string[] }).cspViolations = seen;
				document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
			});
		}
	});
	await typeInPrompt(bob, 'Check the policy.');
	await expectPrompt(ann, 'Check the policy.');
	await expect(ann.locator('[data-testid=prompt-editor] .cm-ySelectionInfo', { hasText: 'Bob' })).toBeVisible(); // inline-styled caret
	await ann.getByTestId('model-select').selectOption('sy-code');
	await expect(bob.getByTestId('model-select')).toHaveValue('sy-code');
	expect(await ann.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
	await close();
});
