import { describe, expect, test } from 'vitest';
import { ClusterWorkers } from './cluster-workers.svelte';

const answer = (status: number, body: unknown) => async () =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('ClusterWorkers', () => {
	test('reads the workers and whether the server is a cluster; an error keeps the last list and says why', async () => {
		let reply = answer(200, { clustered: true, workers: [{ id: 'w-a' }] });
		const workers = new ClusterWorkers((() => reply()) as unknown as typeof fetch);
		await workers.refresh();
		expect(workers.clustered).toBe(true);
		expect(workers.workers.map((w) => w.id)).toEqual(['w-a']);
		reply = answer(403, { message: 'Admins only' });
		await workers.refresh();
		expect(workers.error).toBe('Admins only');
		expect(workers.workers.map((w) => w.id)).toEqual(['w-a']);
	});
});
