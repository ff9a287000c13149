import { performance } from 'node:perf_hooks';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { addMembers, openSyncedEditor, sleep, waitFor, type Editor } from './yjs-editors';
import type { TestServer } from './test-server';

export interface CrowdResult {
	/** Per editor per round: ms from the round's last edit until that editor had all the text. */
	latencies: number[];
	/** Rounds in which every editor and the server ended with the same text of the expected length. */
	consistentRounds: number;
	rounds: number;
	editorErrors: number;
}

/**
 * `editors` real clients (real socket.io-client + the real provider) in one room all type at once, at random
 * places, a few ms apart; each round measures the time to convergence after the last edit. Used by the
 * convergence test, which asserts it; bench/yjs.bench.ts measures the same with editors in other processes.
 */
export async function typeTogether(
	server: TestServer,
	options: { editors: number; rounds: number; editsPerRound: number }
): Promise<CrowdResult> {
	const owner = await server.user('Owner');
	const room = await server.ctx.rooms.create({ id: owner.id }, { name: 'Crowd', visibility: 'private' });
	const names = Array.from({ length: options.editors - 1 }, (_, i) => `Editor${i + 1}`);
	const members = await addMembers(server, room.inviteToken!, names);
	const editors: Editor[] = [];
	try {
		for (const who of [owner, ...members]) editors.push(await openSyncedEditor(server, who, room.id));
		return await typeRounds(server, room.id, editors, options);
	} finally {
		// Each editor's awareness runs an interval timer: left open, it keeps the process (a benchmark) alive.
		for (const editor of editors) editor.close();
	}
}

async function typeRounds(
	server: TestServer,
	roomId: string,
	editors: Editor[],
	options: { rounds: number; editsPerRound: number }
): Promise<CrowdResult> {
	const latencies: number[] = [];
	let consistentRounds = 0;
	let expectedLength = 0;
	let seed = 42;
	const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; // reproducible positions

	for (let round = 0; round < options.rounds; round++) {
		let lastEditAt = 0;
		const tokens = editors.map((_, e) => Array.from({ length: options.editsPerRound }, (_, k) => `<${e}.${round}.${k}>`));
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
		const serverText = server.ctx.yjs.loaded(roomId)?.doc.getText(PROMPT_TEXT).toString();
		if (reference.length === target && serverText === reference && editors.every((e) => e.text() === reference)) consistentRounds++;
	}
	return { latencies, consistentRounds, rounds: options.rounds, editorErrors: editors.reduce((n, e) => n + e.errors.length, 0) };
}
