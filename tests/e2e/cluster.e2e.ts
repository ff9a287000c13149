// Two browsers on two web nodes of one cluster (the real production server, SWITCHYARD_ROLE=web, twice) with an
// inference worker in its own process, a private redis-server and a fresh PostgreSQL database: what one person
// types and runs on one node, the other sees on the other.
import { expect, test } from '@playwright/test';
import { startCluster, type Cluster } from '../helpers/cluster-processes';
import { expectPrompt, output, signUp, typeInPrompt } from './helpers';

let cluster: Cluster;

test.beforeAll(async () => {
	test.setTimeout(240_000);
	cluster = await startCluster({ env: { NODE_ENV: 'production', ROOM_JOIN_RATE_PER_MINUTE: '1000', SIGNUP_RATE_PER_MINUTE: '1000' } });
	await Promise.all([cluster.startWeb('web-1', {}, { sveltekit: true }), cluster.startWeb('web-2', {}, { sveltekit: true })]);
	await cluster.startWorker('w-1');
});
test.afterAll(async () => {
	await cluster?.close();
});

test('two people on two web nodes co-edit the prompt and watch the same run', async ({ browser }) => {
	test.setTimeout(180_000);
	const [one, two] = cluster.webs;
	const annContext = await browser.newContext({ baseURL: one.url });
	const bobContext = await browser.newContext({ baseURL: two.url });
	const ann = await annContext.newPage();
	const bob = await bobContext.newPage();
	await signUp(ann, 'Ann');
	await signUp(bob, 'Bob');
	await ann.getByLabel('Name').fill('Across nodes');
	await ann.getByRole('button', { name: 'Create room' }).click();
	await expect(ann).toHaveURL(/\/rooms\/[a-z2-7]+$/);
	const invite = new URL(await ann.getByTestId('invite-link').inputValue());
	await bob.goto(`${two.url}${invite.pathname}${invite.search}`); // the same link, served by the other node
	await bob.getByRole('button', { name: 'Join room' }).click();
	for (const page of [ann, bob]) await expect(page.getByTestId('connection-status')).toHaveText('live');

	await typeInPrompt(ann, 'Explain how the cluster shares a room.');
	await expectPrompt(bob, 'shares a room');
	await typeInPrompt(bob, ' Briefly.');
	await expectPrompt(ann, 'Briefly.');

	await bob.getByTestId('run-button').click();
	for (const page of [ann, bob])
		await expect(output(page)).toHaveAttribute('data-status', /^(succeeded|failed_validation)$/, { timeout: 90_000 });
	const texts = await Promise.all([ann, bob].map((page) => page.getByRole('region', { name: 'Output' }).innerText()));
	expect(texts[0]).toBe(texts[1]);
	await annContext.close();
	await bobContext.close();
});
