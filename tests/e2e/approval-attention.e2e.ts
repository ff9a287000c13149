// A run waiting for approval reaches members who look at another tab: a title badge, a browser notification (when
// allowed) saying who asked and what the router proposed, and a banner that says the same.
import { expect, test, type Page } from '@playwright/test';
import { docScreenshot, expectPrompt, output, twoInARoom, typeInPrompt } from './helpers';

test.describe.configure({ timeout: 90_000 });

/**
 * Records the notifications the page creates (they are still shown) and lets the test switch tabs: headless Chromium
 * keeps every page visible, so the page's view of its visibility is flipped the way a tab switch flips it.
 */
async function watchAttention(page: Page) {
	await page.context().grantPermissions(['notifications']);
	await page.addInitScript(() => {
		const w = window as unknown as { __notifications: { title: string; body?: string }[]; __setHidden: (h: boolean) => void };
		w.__notifications = [];
		const Real = window.Notification;
		class Recorded extends Real {
			constructor(title: string, options?: NotificationOptions) {
				super(title, options);
				w.__notifications.push({ title, body: options?.body });
			}
		}
		Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
		Object.defineProperty(Recorded, 'requestPermission', { value: Real.requestPermission.bind(Real) });
		window.Notification = Recorded as typeof Notification;
		let hidden = false;
		Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
		w.__setHidden = (h) => {
			hidden = h;
			document.dispatchEvent(new Event('visibilitychange'));
		};
	});
	await page.reload();
	await expect(page.getByTestId('connection-status')).toHaveText('live');
}

const notifications = (page: Page) =>
	page.evaluate(() => (window as unknown as { __notifications: { title: string; body?: string }[] }).__notifications);

test('a run waiting for approval badges the title of a member in another tab, notifies them once, and the banner says who asked', async ({
	browser
}) => {
	const { ann, bob, close } = await twoInARoom(browser, { roomName: 'Release room' });
	await watchAttention(bob);
	await expect(bob.getByTestId('enable-notifications')).toHaveCount(0); // already allowed
	await ann.getByTestId('approval-gate').check();
	await typeInPrompt(ann, 'Summarise the release notes.');
	await expectPrompt(bob, 'Summarise the release notes.');

	await bob.evaluate(() => (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(true));
	await expect(bob).toHaveTitle('Release room · Switchyard');
	await ann.getByTestId('run-button').click();
	await expect(bob).toHaveTitle(/^\(!\) Approval needed · Release room · Switchyard$/, { timeout: 30_000 });
	await expect.poll(() => notifications(bob)).toHaveLength(1);
	const [note] = await notifications(bob);
	expect(note.title).toBe('Approval needed');
	expect(note.body).toMatch(/^Ann asked; the router proposes sy-[a-z-]+/);

	// Back in the tab: the badge goes, the banner says who asked and what the router proposes.
	await bob.evaluate(() => (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(false));
	await expect(bob).toHaveTitle('Release room · Switchyard');
	await expect(bob.getByTestId('approval-summary')).toContainText(/Ann asked to run this; the router proposes sy-/);
	await expect(ann).toHaveTitle('Release room · Switchyard'); // Ann is looking: no badge
	await expect(bob.getByTestId('panel-error')).toHaveCount(0);
	await docScreenshot(bob, 'room-approval');
	await bob.getByTestId('approve-button').click();
	await expect(output(ann)).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
	expect(await notifications(bob)).toHaveLength(1); // one per waiting run, not per event
	await close();
});
