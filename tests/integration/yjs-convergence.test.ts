import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { addMembers, openSyncedEditor, percentile, sleep, waitFor, type Editor } from '../../server/yjs/test-support';
import { startTestServer, type TestServer } from '../helpers/test-server';

const EDITORS = 20;
const ROUNDS = 5;
const EDITS_PER_ROUND = 5;

describe('twenty editors at once', () => {
	let server: TestServer;
	afterEach(() => server?.close());

	it('converge on identical text; logs the p99 time to convergence after the last edit', async () => {
		server = await startTestServer();
		const owner = await server.user('Owner');
		const room = await server.ctx.rooms.create({ id: owner.id }, { name: 'Crowd', visibility: 'private' });
		const names = Array.from({ length: EDITORS - 1 }, (_, i) => `Editor${i + 1}`);
		const members = await addMembers(server, room.inviteToken!, names);
		const editors: Editor[] = [];
		for (const who of [owner, ...members]) editors.push(await openSyncedEditor(server, who, room.id));

		const latencies: number[] = [];
		let expectedLength = 0;
		let seed = 42;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31); // reproducible positions

		for (let round = 0; round < ROUNDS; round++) {
			let lastEditAt = 0;
			const tokens = editors.map((_, e) => Array.from({ length: EDITS_PER_ROUND }, (_, k) => `<${e}.${round}.${k}>`));
			expectedLength += tokens.flat().join('').length;
			const target = expectedLength;
			const reachedAt = editors.map(() => Number.NaN);
			const watchers = editors.map((editor, i) => {
				const check = () => {
					if (Number.isNaN(reachedAt[i]) && editor.text().length === target) reachedAt[i] = performance.now();
				};
				editor.doc.on('update', check);
				return () => editor.doc.off('update', check);
			});

			// Everyone types at once: each edit at a random place, a few milliseconds apart.
			await Promise.all(
				editors.map(async (editor, e) => {
					for (const token of tokens[e]) {
						const text = editor.doc.getText(PROMPT_TEXT);
						text.insert(Math.floor(random() * (text.length + 1)), token);
						lastEditAt = Math.max(lastEditAt, performance.now());
						await sleep(Math.floor(random() * 10));
					}
				})
			);
			await waitFor(() => reachedAt.every((t) => !Number.isNaN(t)), `round ${round} to converge`, 20_000);
			for (const stop of watchers) stop();
			for (const t of reachedAt) latencies.push(Math.max(0, t - lastEditAt));

			const reference = editors[0].text();
			expect(reference).toHaveLength(target);
			for (const editor of editors) expect(editor.text()).toBe(reference);
			expect(server.ctx.yjs.loaded(room.id)?.doc.getText(PROMPT_TEXT).toString()).toBe(reference);
		}

		const format = (ms: number) => `${ms.toFixed(1)} ms`;
		console.log(
			`[yjs] ${EDITORS} editors × ${ROUNDS} rounds × ${EDITS_PER_ROUND} edits: convergence after the last edit ` +
				`p50 ${format(percentile(latencies, 50))}, p99 ${format(percentile(latencies, 99))}, max ${format(Math.max(...latencies))} ` +
				`(${latencies.length} samples)`
		);
		expect(latencies).toHaveLength(EDITORS * ROUNDS);
		expect(editors.every((e) => e.errors.length === 0)).toBe(true); // nobody hit a limit by typing normally
	});
});
