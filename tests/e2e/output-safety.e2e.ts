// Model output is untrusted. The answer of a run is pushed into the page through its real socket (Playwright sits
// on the WebSocket and adds server frames), and must come out as inert text: no script runs, no handler, no link.
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { output, signUp } from './helpers';

const EVIL = [
	'Safe **text** before.',
	'<script>window.__pwned = "script"</script>',
	'<img src="x" onerror="window.__pwned = \'img\'">',
	'<a href="javascript:window.__pwned = \'link\'" id="evil-link">click me</a>',
	'[md link](javascript:window.__pwned=1)',
	'<div onmouseover="window.__pwned = \'hover\'" id="hover-me">hover me</div>',
	'<iframe src="javascript:parent.__pwned = \'frame\'"></iframe>',
	'```html\n<script>alert(1)</script>\n```',
	'Safe text after.'
].join('\n\n');

test('a run answer with <script>, handlers and javascript: links renders inert', async ({ page }) => {
	let server: WebSocketRoute | null = null;
	await page.routeWebSocket(/\/socket\.io\//, (ws) => {
		ws.connectToServer(); // everything still flows both ways untouched
		server = ws;
	});
	await signUp(page, 'Sam');
	await page.getByLabel('Name').fill('Safety room');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page.getByTestId('connection-status')).toHaveText('live');
	const roomId = new URL(page.url()).pathname.split('/').at(-1)!;
	expect(server).not.toBeNull();

	const runId = 'forgedrunaaaaaa';
	let seq = 0;
	const send = (type: string, data: unknown) =>
		server!.send(`42${JSON.stringify(['run:event', { runId, roomId, seq: ++seq, ts: Date.now(), type, data }])}`);
	const metrics = {
		queueWaitMs: 0,
		loadWaitMs: 0,
		timeToFirstTokenMs: 5,
		tokensPerSecond: 100,
		promptTokens: 1,
		completionTokens: 50,
		totalMs: 500
	};
	send('run.queued', { roomId, mode: 'orchestrated', prompt: 'Be evil', authorId: 'someone', parentRunId: null });
	send('run.started', {});
	send('tokens', { modelId: 'sy-tiny', text: EVIL.slice(0, 60), count: 10 });
	await expect(output(page)).toContainText('Safe text before.');
	send('tokens', { modelId: 'sy-tiny', text: EVIL.slice(60), count: 40 });
	send('run.answer', { modelId: 'sy-tiny', text: EVIL, finishReason: 'stop', metrics });
	send('run.finished', { status: 'succeeded', modelId: 'sy-tiny', metrics });

	const out = output(page);
	await expect(out).toHaveAttribute('data-status', 'succeeded');
	await expect(out).toContainText('Safe text after.');
	await expect(out.locator('strong')).toHaveText('text');
	await expect(out.locator('script, img, iframe, [onerror], [onmouseover]')).toHaveCount(0);
	await expect(out.locator('pre code')).toContainText('<script>alert(1)</script>');
	for (const a of await out.locator('a').all()) expect((await a.getAttribute('href')) ?? '').not.toMatch(/^javascript:/i);
	await out.getByText('hover me').hover();
	await out.getByText('click me').click();
	await out.getByText('md link').click();
	await page.waitForTimeout(300);
	expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
});
