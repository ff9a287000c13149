// A tool-calling run started through /v1 with an API key, in a room a browser watches: the call appears on the
// executor in the live graph, and again when the run is played back from the history.
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { node, signUp } from './helpers';
import { weatherTool as weather } from '../helpers/openai-tools';

test.describe.configure({ timeout: 90_000 });

test('a /v1 tool call shows on the executor in the live graph and in playback', async ({ browser, playwright, baseURL }) => {
	const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
	const page = await context.newPage();
	await signUp(page, 'Tess');
	await page.getByLabel('Name').fill('Tool desk');
	await page.getByRole('button', { name: 'Create room' }).click();
	await expect(page).toHaveURL(/\/rooms\/[a-z2-7]+$/);
	await expect(page.getByTestId('connection-status')).toHaveText('live');
	const roomId = new URL(page.url()).pathname.split('/').at(-1)!;
	const { key } = await (await page.request.post('/api/keys', { data: { name: 'agent' } })).json();
	await expect(page.getByTestId('tool-call-mark')).toHaveCount(0);

	// The API client has only the key (no session cookie) and names the room the browser is in.
	const api = await playwright.request.newContext({
		baseURL,
		extraHTTPHeaders: { authorization: `Bearer ${key}`, 'x-switchyard-room': roomId }
	});
	const res = await api.post('/v1/chat/completions', {
		data: {
			model: 'sy-tiny',
			messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
			tools: [weather],
			tool_choice: 'required',
			seed: 4
		}
	});
	expect(res.status()).toBe(200);
	const answer = await res.json();
	const call = answer.choices[0].message.tool_calls[0];
	expect(call.function.name).toBe('get_weather');
	const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
	await api.dispose();

	// Live: the mark sits on the executor, with the name, an arguments preview and the whole call in words.
	const mark = page.getByTestId('tool-call-mark');
	await expect(mark).toHaveCount(1);
	await expect(mark).toHaveAttribute('data-tool', 'get_weather');
	const preview = Object.entries(args)
		.map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
		.join(', ');
	await expect(mark).toContainText(`ƒ get_weather(${preview.slice(0, 20)}`);
	await expect(page.getByRole('list', { name: 'Tool calls (1)' })).toContainText(`Tool call get_weather(${preview}) by sy-tiny`);
	await expect(node(page, 'executor')).toHaveAttribute('data-status', 'done');
	const axe = await new AxeBuilder({ page })
		.include('[data-testid=tool-calls]')
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
		.analyze();
	expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

	// Playback: at the start no call is marked; played through, the call appears again.
	const item = page.getByTestId('history-list').getByTestId('history-item').first();
	await expect(item).toContainText('succeeded');
	await item.click();
	await expect(page.getByTestId('playback-bar')).toBeVisible();
	await page.getByTestId('playback-scrub').fill('0');
	await expect(node(page, 'executor')).toHaveAttribute('data-status', 'idle');
	await expect(page.getByTestId('tool-call-mark')).toHaveCount(0);
	await page.getByTestId('playback-toggle').click();
	await expect(page.getByTestId('tool-call-mark')).toHaveAttribute('data-tool', 'get_weather', { timeout: 20_000 });
	await expect(node(page, 'summarizer')).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
	await context.close();
});
