// The live room with two people in two browsers: co-editing, runs watched by both, approval, cancel, reload.
import { expect, test } from '@playwright/test';
import { editor, expectPrompt, firstSeen, node, nodeLog, output, recordNodeStatuses, twoInARoom, typeInPrompt } from './helpers';

// Two browsers, sign-ups and model runs on a 2-CPU machine: give each test room beyond the 30 s default.
test.describe.configure({ timeout: 90_000 });

const NODES = ['taskAnalyzer', 'historyReader', 'resourceMonitor', 'modelRouter', 'executor', 'outputValidator', 'summarizer'];

test('two people co-edit the prompt and its settings, and see each other’s cursor and typing', async ({ browser }) => {
	const { ann, bob, close } = await twoInARoom(browser);

	await typeInPrompt(ann, 'Summarise the launch plan.');
	await expectPrompt(bob, 'Summarise the launch plan.');
	await typeInPrompt(bob, ' Keep it short.');
	await expectPrompt(ann, 'Summarise the launch plan. Keep it short.');
	await expectPrompt(bob, 'Summarise the launch plan. Keep it short.');

	// Bob is typing: Ann sees it next to his name, and his caret (named, in his colour) in her editor.
	await expect(ann.getByTestId('presence-list').locator('[data-typing=true]')).toContainText('Bob');
	const bobCaret = ann.locator('[data-testid=prompt-editor] .cm-ySelectionInfo', { hasText: 'Bob' });
	await expect(bobCaret).toBeVisible();
	await expect(ann.getByTestId('presence-list').locator('[data-typing=true]')).toHaveCount(0, { timeout: 8_000 });

	// Settings live in the shared document too.
	await ann.getByTestId('model-select').selectOption('sy-code');
	await expect(bob.getByTestId('model-select')).toHaveValue('sy-code');
	await bob.getByTestId('approval-gate').check();
	await expect(ann.getByTestId('approval-gate')).toBeChecked();
	await bob.getByLabel('Max tokens').fill('256');
	await bob.getByLabel('Max tokens').press('Tab');
	await expect(ann.getByLabel('Max tokens')).toHaveValue('256');
	await ann.getByText('Compare', { exact: true }).click();
	await expect(bob.getByTestId('mode-compare')).toBeChecked();
	await expect(bob.getByTestId('compare-models')).toBeVisible();

	// The draft outlives the visit: Bob reloads and finds it.
	await bob.reload();
	await expectPrompt(bob, 'Summarise the launch plan. Keep it short.');
	await expect(bob.getByTestId('mode-compare')).toBeChecked();
	await close();
});

test('one person runs; both watch the nodes go running → done in order and get the same answer; history replays it', async ({
	browser
}) => {
	const { ann, bob, close } = await twoInARoom(browser);
	await typeInPrompt(ann, 'Explain how rooms keep prompts in sync.');
	await expectPrompt(bob, 'Explain how rooms keep prompts in sync.');
	await recordNodeStatuses(ann);
	await recordNodeStatuses(bob);

	await ann.keyboard.press('Control+Enter');
	for (const page of [ann, bob]) await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });

	for (const page of [ann, bob]) {
		for (const n of NODES) await expect(node(page, n)).toHaveAttribute('data-status', 'done');
		const log = await nodeLog(page);
		const done = (n: string) => firstSeen(log, n, 'done');
		const firstStage = Math.max(done('taskAnalyzer'), done('historyReader'), done('resourceMonitor'));
		expect(firstStage).toBeLessThanOrEqual(done('modelRouter'));
		expect(done('modelRouter')).toBeLessThanOrEqual(done('executor'));
		expect(done('executor')).toBeLessThanOrEqual(done('outputValidator'));
		expect(done('outputValidator')).toBeLessThanOrEqual(done('summarizer'));
		expect(firstSeen(log, 'executor', 'running')).toBeLessThan(done('executor'));
		expect(done('summarizer')).toBeLessThan(Infinity);
	}
	const annText = (await output(ann).innerText()).trim();
	expect(annText.length).toBeGreaterThan(0);
	expect((await output(bob).innerText()).trim()).toBe(annText);

	// Both find it in the history; opening it replays its stored timeline onto the graph.
	const item = bob.getByTestId('history-list').getByTestId('history-item').first();
	await expect(item).toContainText('succeeded');
	await item.click();
	await expect(bob.getByTestId('playback-bar')).toBeVisible();
	await bob.getByTestId('playback-scrub').fill('0');
	for (const n of NODES) await expect(node(bob, n)).toHaveAttribute('data-status', 'idle');
	await recordNodeStatuses(bob);
	await bob.getByTestId('playback-toggle').click();
	await expect(node(bob, 'summarizer')).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
	const replayed = await nodeLog(bob);
	expect(firstSeen(replayed, 'executor', 'running')).toBeLessThan(firstSeen(replayed, 'executor', 'done'));
	expect(firstSeen(replayed, 'modelRouter', 'done')).toBeLessThan(firstSeen(replayed, 'summarizer', 'done'));
	expect((await output(bob).innerText()).trim()).toBe(annText);

	// Search narrows the list.
	await bob.getByTestId('history-search').fill('no such prompt anywhere');
	await expect(bob.getByTestId('history-item')).toHaveCount(0);
	await bob.getByTestId('history-search').fill('rooms keep');
	await expect(bob.getByTestId('history-item')).toHaveCount(1);
	await bob.getByTestId('back-to-live').click();
	await expect(bob.getByTestId('playback-bar')).toHaveCount(0);
	await close();
});

test('approval for everyone: a reload keeps the waiting run, the other overrides it; then cancels the next one with Esc', async ({
	browser
}) => {
	const { ann, bob, close } = await twoInARoom(browser);
	await ann.getByTestId('approval-gate').check();
	await expect(bob.getByTestId('approval-gate')).toBeChecked();
	await typeInPrompt(ann, 'Write a short note about model routing.');
	await expectPrompt(bob, 'model routing');

	await bob.getByTestId('run-button').click();
	for (const page of [ann, bob]) {
		await expect(page.getByTestId('approval-banner')).toBeVisible({ timeout: 30_000 });
		await expect(node(page, 'modelRouter')).toHaveAttribute('data-status', 'waiting');
		await expect(output(page)).toHaveAttribute('data-status', 'waiting_approval');
	}

	// Ann reloads mid-run: the room comes back exactly where the run stands.
	await ann.reload();
	await expect(ann.getByTestId('approval-banner')).toBeVisible();
	await expect(node(ann, 'modelRouter')).toHaveAttribute('data-status', 'waiting');
	await expect(node(ann, 'taskAnalyzer')).toHaveAttribute('data-status', 'done');

	// Bob overrides the model; both see the run go on and finish with it.
	const banner = bob.getByTestId('approval-banner');
	await banner.getByTestId('override-button').click();
	const choice = await banner.getByTestId('override-model').locator('option').nth(1).getAttribute('value');
	expect(choice).toBeTruthy();
	await banner.getByTestId('override-model').selectOption(choice!);
	await banner.getByLabel('Temperature').fill('0.3');
	await banner.getByTestId('override-submit').click();
	for (const page of [ann, bob]) {
		await expect(page.getByTestId('approval-banner')).toHaveCount(0);
		await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
		await expect(page.getByRole('region', { name: 'Output' })).toContainText(choice!);
	}
	await ann.getByRole('tab', { name: /Activity/ }).click();
	await expect(ann.getByTestId('activity-feed')).toContainText('Bob overrode a run');

	// A second run waits for approval; Bob cancels it with Esc and both see it cancelled.
	await ann.getByTestId('run-button').click();
	for (const page of [ann, bob]) await expect(page.getByTestId('approval-banner')).toBeVisible({ timeout: 30_000 });
	await bob.locator('body').click({ position: { x: 5, y: 5 } });
	await bob.keyboard.press('Escape');
	for (const page of [ann, bob]) {
		await expect(output(page)).toHaveAttribute('data-status', 'cancelled');
		await expect(page.getByTestId('approval-banner')).toHaveCount(0);
		await expect(page.getByTestId('cancel-button')).toBeDisabled();
	}
	await expect(ann.getByTestId('activity-feed')).toContainText('Bob cancelled a run');
	await close();
});

test('keyboard: ? opens the shortcuts, Esc closes them; / searches history; E edits the prompt', async ({ browser }) => {
	const { ann, close } = await twoInARoom(browser);
	await ann.locator('body').click({ position: { x: 5, y: 5 } });
	await ann.keyboard.press('?');
	await expect(ann.getByTestId('shortcut-help')).toBeVisible();
	await expect(ann.getByTestId('shortcut-help')).toContainText('Run the shared prompt');
	await ann.keyboard.press('Escape');
	await expect(ann.getByTestId('shortcut-help')).toHaveCount(0);
	await ann.keyboard.press('/');
	await expect(ann.getByTestId('history-search')).toBeFocused();
	await ann.keyboard.press('Escape');
	await ann.locator('body').click({ position: { x: 5, y: 5 } });
	await ann.keyboard.press('e');
	await expect(editor(ann)).toBeFocused();
	// Run refuses an empty prompt and says why.
	await expect(ann.getByTestId('run-button')).toBeDisabled();
	await close();
});
