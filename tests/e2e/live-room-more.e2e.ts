// More of the live room: compare mode side by side, forking from a node, and catching up after a dropped connection.
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { expectPrompt, node, output, twoInARoom, typeInPrompt } from './helpers';

// Two browsers, sign-ups and model runs on a 2-CPU machine: give each test room beyond the 30 s default.
test.describe.configure({ timeout: 90_000 });

test('compare mode: both see the models answer side by side; forking from the executor starts a new run for both', async ({ browser }) => {
	const { ann, bob, close } = await twoInARoom(browser);
	await typeInPrompt(ann, 'Write a function that adds two numbers.');
	await ann.getByText('Compare', { exact: true }).click();
	const boxes = ann.getByTestId('compare-models').locator('input[type=checkbox]');
	await boxes.nth(0).check();
	await boxes.nth(1).check();
	await expect(bob.getByTestId('compare-models').locator('input:checked')).toHaveCount(2);
	await expectPrompt(bob, 'adds two numbers');

	await bob.getByTestId('run-button').click();
	for (const page of [ann, bob]) {
		await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
		await expect(page.getByTestId('compare-column')).toHaveCount(2);
		await expect(page.getByTestId('compare-lanes').locator('[data-model]')).toHaveCount(2);
		await expect(node(page, 'modelRouter')).toHaveAttribute('data-status', 'skipped');
	}
	const firstRun = await output(ann).getAttribute('data-run-id');

	await node(ann, 'executor').click();
	await expect(ann.getByTestId('node-detail')).toContainText('Executor');
	await ann.getByTestId('fork-button').click();
	for (const page of [ann, bob]) {
		await expect(output(page)).not.toHaveAttribute('data-run-id', firstRun!);
		await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
		await expect(node(page, 'executor')).toHaveAttribute('data-status', 'done');
		await expect(page.getByRole('region', { name: 'Run graph' })).toContainText('fork');
	}
	await close();
});

test('a dropped connection catches up: the run that went on meanwhile is complete after the reconnect', async ({ browser }) => {
	// Ann's socket goes through Playwright: while `deaf`, what the server sends her is lost on the way (the server
	// believes it was delivered, so only the client's replay can fill the gap); then the connection drops.
	let deaf = false;
	const sockets: WebSocketRoute[] = [];
	const { ann, bob, close } = await twoInARoom(browser, {
		setUpAnn: (page) =>
			page.routeWebSocket(/\/socket\.io\//, (ws) => {
				const server = ws.connectToServer();
				server.onMessage((m) => !deaf && ws.send(m));
				ws.onMessage((m) => server.send(m));
				sockets.push(ws);
			})
	});
	await ann.getByTestId('approval-gate').check();
	await typeInPrompt(ann, 'Describe the release checklist.');
	await expectPrompt(bob, 'release checklist');
	await ann.getByTestId('run-button').click();
	for (const page of [ann, bob]) await expect(page.getByTestId('approval-banner')).toBeVisible({ timeout: 30_000 });

	deaf = true;
	await bob.getByTestId('approval-banner').getByTestId('approve-button').click();
	await expect(output(bob)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
	await expect(output(ann)).toHaveAttribute('data-status', 'waiting_approval');

	// The connection drops; the client reconnects, rejoins and replays what it missed.
	deaf = false;
	for (const ws of sockets.splice(0)) await ws.close();
	await expect(ann.getByTestId('connection-status')).toHaveText('live', { timeout: 20_000 });
	await expect(output(ann)).toHaveAttribute('data-status', 'succeeded');
	await expect(ann.getByTestId('approval-banner')).toHaveCount(0);
	await expect(node(ann, 'summarizer')).toHaveAttribute('data-status', 'done');
	expect((await output(ann).innerText()).trim()).toBe((await output(bob).innerText()).trim());
	await close();
});

test('drivers-only room: a member who is not a driver cannot run until the owner makes them a driver', async ({ browser }) => {
	const { ann, bob, close } = await twoInARoom(browser);
	await typeInPrompt(ann, 'Plan the demo.');
	await expectPrompt(bob, 'Plan the demo.');
	await expect(bob.getByTestId('run-button')).toBeEnabled();

	await ann.getByRole('tab', { name: 'People' }).click();
	await ann.getByTestId('steering-select').selectOption('drivers');
	await bob.reload();
	await expect(bob.getByTestId('run-button')).toBeDisabled();
	await expect(bob.getByText('Only drivers can run in this room')).toBeVisible();
	await expect(ann.getByTestId('run-button')).toBeEnabled(); // the owner always may

	await ann.getByLabel('Bob may steer runs').check();
	await expect(bob.getByTestId('run-button')).toBeEnabled();
	await bob.getByRole('tab', { name: 'People' }).click();
	await expect(bob.getByTestId('member-list')).toContainText('driver');
	await close();
});
