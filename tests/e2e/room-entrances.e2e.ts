// Every way into a room works the same, and what the room shares shows live: a public room opened straight from its
// URL by someone who never joined, steering changes, compare choices in the shared settings, forks that show what
// they inherited, and pages that fail without going blank.
import { expect, test, type Browser } from '@playwright/test';
import { expectPrompt, node, output, signUp, twoInARoom, typeInPrompt } from './helpers';

test.describe.configure({ timeout: 90_000 });

/** Ann creates a public room and types in it; Bob only signs up (no invite, no join). */
async function publicRoomWithStranger(browser: Browser) {
	const annContext = await browser.newContext();
	const bobContext = await browser.newContext();
	const ann = await annContext.newPage();
	const bob = await bobContext.newPage();
	await signUp(ann, 'Ann');
	await signUp(bob, 'Bob');
	await ann.getByLabel('Name').fill('Open house');
	await ann.getByLabel('Public').check();
	await ann.getByRole('button', { name: 'Create room' }).click();
	await expect(ann).toHaveURL(/\/rooms\/[a-z2-7]+$/);
	await expect(ann.getByTestId('connection-status')).toHaveText('live');
	const roomPath = new URL(ann.url()).pathname;
	return { ann, bob, roomPath, close: () => Promise.all([annContext.close(), bobContext.close()]) };
}

test('a public room opened from its URL by someone who never joined: shared draft, history and edits all work', async ({ browser }) => {
	const { ann, bob, roomPath, close } = await publicRoomWithStranger(browser);
	await typeInPrompt(ann, 'Draft the onboarding note.');

	await bob.goto(roomPath); // straight from the URL: no invite link, no Join button
	await expect(bob.getByTestId('connection-status')).toHaveText('live');
	await expectPrompt(bob, 'Draft the onboarding note.');
	await expect(bob.getByTestId('history-list')).toContainText('No runs yet.');
	await expect(bob.getByText('Join the room first')).toHaveCount(0);

	await typeInPrompt(bob, ' Keep it friendly.');
	await expectPrompt(ann, 'Draft the onboarding note. Keep it friendly.');
	await typeInPrompt(ann, ' Sign it.');
	await expectPrompt(bob, 'Draft the onboarding note. Keep it friendly. Sign it.');

	// A second tab and a reload enter the same way.
	const second = await bob.context().newPage();
	await second.goto(roomPath);
	await expectPrompt(second, 'Sign it.');
	await second.close();
	await bob.reload();
	await expectPrompt(bob, 'Sign it.');
	await close();
});

test('a change of steering shows for everyone at once, without a reload', async ({ browser }) => {
	const { ann, bob, close } = await twoInARoom(browser);
	await typeInPrompt(ann, 'Plan the demo.');
	await expectPrompt(bob, 'Plan the demo.');
	await expect(bob.getByTestId('run-button')).toBeEnabled();

	await ann.getByRole('tab', { name: 'People' }).click();
	await ann.getByTestId('steering-select').selectOption('drivers');
	await expect(bob.getByTestId('run-button')).toBeDisabled();
	await expect(bob.getByText('Only drivers can run in this room')).toBeVisible();
	await bob.getByRole('tab', { name: 'People' }).click();
	await expect(bob.getByText('Only the owner and drivers steer runs in this room.')).toBeVisible();

	await ann.getByTestId('steering-select').selectOption('everyone');
	await expect(bob.getByTestId('run-button')).toBeEnabled();
	await close();
});

test('compare choices are shared, validated room settings: a bare run of the draft compares them', async ({ browser }) => {
	const { ann, close } = await publicRoomWithStranger(browser);
	await typeInPrompt(ann, 'Write a function that adds two numbers.');
	await ann.getByText('Compare', { exact: true }).click();
	const boxes = ann.getByTestId('compare-models').locator('input[type=checkbox]');
	await boxes.nth(0).check();
	await boxes.nth(1).check();
	const roomId = new URL(ann.url()).pathname.split('/').at(-1)!;

	// A run of the draft that names nothing (as a script would) takes the room's compare models.
	await expect.poll(async () => (await ann.request.post('/api/runs', { data: { roomId } })).status(), { timeout: 10_000 }).toBe(201);
	await expect(output(ann)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
	await expect(ann.getByTestId('compare-column')).toHaveCount(2);
	await close();
});

test('a forked run shows the nodes before the fork point as inherited from its parent', async ({ browser }) => {
	const { ann, bob, roomPath, close } = await publicRoomWithStranger(browser);
	await bob.goto(roomPath);
	await typeInPrompt(ann, 'Name three colours.');
	await ann.getByText('Direct', { exact: true }).click();
	await ann.getByTestId('model-select').selectOption('sy-tiny');
	await ann.getByTestId('run-button').click();
	await expect(output(ann)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
	const parent = await output(ann).getAttribute('data-run-id');

	await node(ann, 'executor').click();
	await ann.getByTestId('fork-button').click();
	for (const page of [ann, bob]) {
		await expect(output(page)).not.toHaveAttribute('data-run-id', parent!);
		await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
		for (const n of ['taskAnalyzer', 'historyReader', 'resourceMonitor', 'modelRouter'])
			await expect(node(page, n)).toHaveAttribute('data-status', 'inherited');
		await expect(node(page, 'executor')).toHaveAttribute('data-status', 'done');
	}
	await close();
});

test('an unknown room gets the app’s error page, with its navigation and a way back', async ({ page }) => {
	await signUp(page, 'Eve');
	const missing = await page.goto('/rooms/aaaaaaaaaaaaaaaa');
	expect(missing?.status()).toBe(404);
	await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
	await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
	await page.getByRole('link', { name: 'Back to your rooms' }).click();
	await expect(page).toHaveURL(/\/rooms$/);
});

test('a failing panel does not blank the room: it says so, and the rest keeps working', async ({ page }) => {
	await signUp(page, 'Fay');
	// The history answer is damaged on its way (a run without a prompt): that panel fails, the room keeps working.
	await page.route('**/api/runs?room=*', async (route) => {
		const res = await route.fetch();
		const body = await res.json();
		body.runs = [{ id: 'broken', status: 'succeeded', mode: 'direct', title: null, prompt: null, createdAt: 0, lastSeq: 1 }];
		await route.fulfill({ response: res, json: body });
	});
	await page.getByLabel('Name').fill('Sturdy room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('panel-error')).toContainText('This panel failed');
	await expect(page.getByRole('heading', { name: 'Sturdy room' })).toBeVisible();
	await typeInPrompt(page, 'Still here.');
	await expectPrompt(page, 'Still here.');
});
