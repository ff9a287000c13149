import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { E2E_ADMIN } from '../../playwright.config';

test('an admin previews and preloads a model, sees it in the table and the cache log, then unloads it', async ({ page }) => {
	await page.goto('/login');
	await page.getByLabel('Email').fill(E2E_ADMIN.email);
	await page.getByLabel('Password').fill(E2E_ADMIN.password);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByTestId('current-user')).toContainText('admin');
	await page.request.post('/api/admin/models/sy-tiny/unload'); // start from an unloaded model (404 if it already is)

	await page.getByRole('link', { name: 'Admin' }).click();
	await expect(page).toHaveURL(/\/admin$/);
	await expect(page.getByTestId('admin-live')).toHaveText('live');
	const table = page.getByTestId('admin-models-table');
	await expect(table.getByTestId('admin-model-sy-tiny')).toHaveCount(0);

	await page.getByRole('button', { name: 'Preload sy-tiny' }).click();
	const preview = page.getByTestId('admin-preview');
	await expect(preview.getByTestId('admin-preview-text')).toHaveText(
		/^Loading sy-tiny \(.+ RAM\) (fits without evicting anything|would evict .+)\.$/
	);
	await preview.getByRole('button', { name: /^Load/ }).click();

	const row = table.getByTestId('admin-model-sy-tiny');
	await expect(row).toBeVisible();
	await expect(row).toContainText('ready');
	await expect(preview).toHaveCount(0);
	await expect(page.getByTestId('admin-cache-log')).toContainText(/sy-tiny\s*loaded in \d+ ms/);

	await row.getByRole('button', { name: 'Unload sy-tiny' }).click();
	await expect(table.getByTestId('admin-model-sy-tiny')).toHaveCount(0);
	await expect(page.getByTestId('admin-cache-log')).toContainText('unloaded by an admin');
});

test('members get 403 on the admin page and no Admin link', async ({ page }) => {
	await page.goto('/signup');
	await page.getByLabel('Name').fill('Member');
	await page.getByLabel('Email').fill(`member-${randomBytes(4).toString('hex')}@example.com`);
	await page.getByLabel('Password').fill('correct horse battery');
	await page.getByRole('button', { name: 'Sign up' }).click();
	await expect(page).toHaveURL(/\/rooms$/);
	await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
	const res = await page.goto('/admin');
	expect(res?.status()).toBe(403);
});
