// The run timeline beside the graph: a waterfall of where a run's time went, growing while it runs, the same when
// the run is played back from the history, with tokens per second and the router's reasons.
import { expect, test } from '@playwright/test';
import { docScreenshot, expectPrompt, output, signUp, typeInPrompt } from './helpers';

test.describe.configure({ timeout: 90_000 });

test('a run’s waterfall grows live, shows tokens/s and the router’s reasons, and plays back the same from history', async ({ page }) => {
	await signUp(page, 'Tia');
	await page.getByLabel('Name').fill('Timeline room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');
	await expect(page.getByTestId('run-timeline')).toContainText('Start a run');

	// Remember every segment kind seen while it was still going (live updates, not only the final picture).
	await page.evaluate(() => {
		const w = window as unknown as { __runningKinds: Set<string> };
		w.__runningKinds = new Set();
		new MutationObserver(() => {
			for (const el of document.querySelectorAll<HTMLElement>('[data-testid=timeline-segment][data-running=true]'))
				w.__runningKinds.add(el.dataset.kind ?? '');
		}).observe(document.body, { subtree: true, childList: true, attributes: true });
	});
	await typeInPrompt(page, 'Explain what a prompt room is.');
	await expectPrompt(page, 'what a prompt room is');
	await page.getByTestId('run-button').click();
	await expect(output(page)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });

	const timeline = page.getByTestId('run-timeline');
	const kinds = async () => timeline.getByTestId('timeline-segment').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.kind));
	const live = await kinds();
	for (const kind of ['queue', 'node', 'first-token', 'decode']) expect(live).toContain(kind);
	expect(live.filter((k) => k === 'node').length).toBeGreaterThanOrEqual(6);
	await expect(timeline.locator('[data-running=true]')).toHaveCount(0); // all ended with the run
	const seenRunning = await page.evaluate(() => [...(window as unknown as { __runningKinds: Set<string> }).__runningKinds]);
	expect(seenRunning).toContain('node');
	await expect(page.getByTestId('timeline-rate')).toHaveText(/^\d+(\.\d)? tok\/s$/);
	await expect(page.getByTestId('timeline-routing')).toContainText(/Router chose sy-[a-z-]+: .+/);
	await expect(page.getByTestId('timeline-total')).toContainText('in all');
	await docScreenshot(page, 'room');
	await docScreenshot(page, 'room-timeline', timeline);

	// Played back from the history, the run draws the same waterfall.
	await page.getByTestId('history-item').first().click();
	await expect(page.getByTestId('playback-bar')).toBeVisible();
	await expect.poll(kinds).toEqual(live);
});
