// The rooms list: a new user is walked to a first room and a first run; each room shows its last activity and its
// unfinished runs; search narrows the list.
import { expect, test } from '@playwright/test';
import { expectPrompt, signUp, typeInPrompt } from './helpers';

test('a new user is walked to a first room and run; the list shows activity and unfinished runs, and search narrows it', async ({
	page
}) => {
	await signUp(page, 'Uma');
	const welcome = page.getByTestId('rooms-empty');
	await expect(welcome).toContainText('Create your first room');
	await expect(welcome).toContainText('Press Run');
	await welcome.getByRole('button', { name: 'Create your first room' }).click();
	await expect(page.getByLabel('Name')).toBeFocused();
	await page.keyboard.type('Alpha notes');
	await page.keyboard.press('Enter');
	await expect(page.getByTestId('connection-status')).toHaveText('live');

	// A run that waits for approval stays unfinished.
	await page.getByTestId('approval-gate').check();
	await typeInPrompt(page, 'Outline the alpha release.');
	await expectPrompt(page, 'alpha release');
	await page.getByTestId('run-button').click();
	await expect(page.getByTestId('approval-banner')).toBeVisible({ timeout: 30_000 });

	await page.goto('/rooms');
	await expect(page.getByTestId('rooms-empty')).toHaveCount(0);
	const alpha = page.getByTestId('room-item').filter({ hasText: 'Alpha notes' });
	await expect(alpha.getByTestId('room-unfinished')).toHaveText('1 unfinished run');
	await expect(alpha.getByTestId('room-activity')).toHaveText('active just now');

	await page.getByLabel('Name').fill('Beta planning');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');
	await page.goto('/rooms');
	const beta = page.getByTestId('room-item').filter({ hasText: 'Beta planning' });
	await expect(beta.getByTestId('room-unfinished')).toHaveCount(0);

	await page.getByTestId('room-search').fill('alpha NOTES');
	await expect(page.getByTestId('room-item').filter({ hasText: 'Alpha notes' })).toHaveCount(1);
	await expect(page.getByTestId('room-item').filter({ hasText: 'Beta planning' })).toHaveCount(0);
	await page.getByTestId('room-search').fill('no such room here');
	await expect(page.getByTestId('room-search-empty')).toContainText('No room matches');
});
