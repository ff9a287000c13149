import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Annotation, END, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteBehindSqliteSaver } from './write-behind-saver';

const State = Annotation.Root({
	steps: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
	note: Annotation<{ text: string } | null>()
});

/** Fan-out then a join then a chain: the shape of the run graph, so saves include parallel task writes. */
function graph(saver: BaseCheckpointSaver) {
	const step = (name: string) => async () => ({ steps: [name] });
	return new StateGraph(State)
		.addNode('a', step('a'))
		.addNode('b', step('b'))
		.addNode('join', async (s) => ({ steps: ['join'], note: { text: s.steps.slice().sort().join('+') } }))
		.addNode('last', step('last'))
		.addEdge(START, 'a')
		.addEdge(START, 'b')
		.addEdge(['a', 'b'], 'join')
		.addEdge('join', 'last')
		.addEdge('last', END)
		.compile({ checkpointer: saver });
}

async function history(saver: BaseCheckpointSaver, threadId: string) {
	const out: { values: unknown; next: string[]; writes: number }[] = [];
	for await (const s of graph(saver).getStateHistory({ configurable: { thread_id: threadId } }))
		out.push({ values: s.values, next: [...s.next].sort(), writes: s.tasks.filter((t) => t.result !== undefined).length });
	return out;
}

const open: { close(): unknown }[] = [];
afterEach(async () => {
	for (const s of open.splice(0)) await s.close();
});
const tempFile = async () => path.join(await mkdtemp(path.join(os.tmpdir(), 'sy-saver-')), 'checkpoints.db');

describe('WriteBehindSqliteSaver', () => {
	it('stores the same checkpoints and writes as LangGraph’s SqliteSaver', async () => {
		const plain = SqliteSaver.fromConnString(':memory:');
		const behind = WriteBehindSqliteSaver.open(':memory:', 60_000); // nothing written by the timer: reads flush
		open.push({ close: () => plain.db.close() }, behind);
		const config = { configurable: { thread_id: 't' } };
		const expected = await graph(plain).invoke({ note: null }, config);
		expect(await graph(behind).invoke({ note: null }, config)).toEqual(expected);
		expect(behind.waiting).toBeGreaterThan(0); // the run did not wait for its saves
		const stored = await history(behind, 't');
		expect(behind.waiting).toBe(0);
		expect(stored).toEqual(await history(plain, 't'));
		expect(stored.length).toBeGreaterThanOrEqual(5);
	});

	it('writes its saves on its own shortly after, in order, in one piece another connection can read', async () => {
		const file = await tempFile();
		const behind = WriteBehindSqliteSaver.open(file, 5);
		open.push(behind);
		await graph(behind).invoke({ note: null }, { configurable: { thread_id: 't' } });
		await new Promise((r) => setTimeout(r, 50));
		expect(behind.waiting).toBe(0);
		const reader = SqliteSaver.fromConnString(file); // as the next process would after a crash
		open.push({ close: () => reader.db.close() });
		const latest = await graph(reader).getState({ configurable: { thread_id: 't' } });
		expect(latest.values).toEqual({ steps: ['a', 'b', 'join', 'last'], note: { text: 'a+b' } });
		expect(latest.next).toEqual([]);
	});

	it('keeps saves it could not write and reports the failure to the read that needs them', async () => {
		const behind = WriteBehindSqliteSaver.open(':memory:', 60_000);
		open.push({ close: () => {} });
		await graph(behind).invoke({ note: null }, { configurable: { thread_id: 't' } });
		const waiting = behind.waiting;
		behind.db.close();
		await expect(behind.flush()).rejects.toThrow();
		expect(behind.waiting).toBe(waiting);
	});
});
