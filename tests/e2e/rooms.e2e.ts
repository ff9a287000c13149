import { expect, test } from '@playwright/test';
import { signUp } from './helpers';

test('two people: one creates a private room and invites the other; both see each other online', async ({ browser }) => {
	const annContext = await browser.newContext();
	const bobContext = await browser.newContext();
	const ann = await annContext.newPage();
	const bob = await bobContext.newPage();

	await signUp(ann, 'Ann');
	await signUp(bob, 'Bob');

	await ann.getByLabel('Name').fill('Launch review');
	await ann.getByRole('button', { name: 'Create room' }).click();
	await expect(ann).toHaveURL(/\/rooms\/[a-z2-7]+$/);
	await expect(ann.getByRole('heading', { name: 'Launch review' })).toBeVisible();
	const inviteUrl = await ann.getByTestId('invite-link').inputValue();
	expect(inviteUrl).toMatch(/\/invite\/[a-z2-7]+$/);

	// Before the invite, Bob cannot open the private room.
	const roomPath = new URL(ann.url()).pathname;
	const refused = await bob.goto(roomPath);
	expect(refused?.status()).toBe(403);

	await bob.goto(inviteUrl);
	await expect(bob.getByRole('heading', { name: 'Join “Launch review”?' })).toBeVisible(); // opening the link joins nothing
	await bob.getByRole('button', { name: 'Join room' }).click();
	await expect(bob).toHaveURL(new RegExp(`${roomPath}$`));

	for (const page of [ann, bob]) {
		const presence = page.getByTestId('presence-list');
		await expect(presence.getByText('Ann')).toBeVisible();
		await expect(presence.getByText('Bob')).toBeVisible();
		await expect(page.getByTestId('connection-status')).toHaveText('live');
	}

	// Bob closes the tab: Ann sees him go offline.
	await bobContext.close();
	await expect(ann.getByTestId('presence-list').getByText('Bob')).toHaveCount(0);
	await annContext.close();
});

test('logging out closes the live connection', async ({ page }) => {
	await signUp(page, 'Solo');
	await page.getByLabel('Name').fill('Solo room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');
	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(/\/login/);
	const me = await page.request.get('/api/auth/me');
	expect(me.status()).toBe(401);
});
