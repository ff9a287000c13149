import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { Annotation, Command, END, MemorySaver, START, StateGraph, getConfig, interrupt } from '@langchain/langgraph';
import { RunTree } from 'langsmith';
import { afterEach, describe, expect, it } from 'vitest';
import { lightenLangChainContext, restoreLangChainContext, tracingRequested } from './langchain-context';

const State = Annotation.Root({ asked: Annotation<string>(), answer: Annotation<string>(), stores: Annotation<string[]>() });

/** A two-node graph whose first node reads its config back and whose second asks for approval (interrupt). */
function graph() {
	const storeKind = () => (AsyncLocalStorageProviderSingleton.getInstance().getStore() instanceof RunTree ? 'RunTree' : 'plain');
	return new StateGraph(State)
		.addNode('read', () => ({ asked: String(getConfig().configurable?.thread_id), stores: [storeKind()] }))
		.addNode('gate', (s) => ({ answer: `${s.asked}: ${interrupt('approve?') as string}`, stores: [...s.stores, storeKind()] }))
		.addEdge(START, 'read')
		.addEdge('read', 'gate')
		.addEdge('gate', END)
		.compile({ checkpointer: new MemorySaver() });
}

async function runWithApproval() {
	const g = graph();
	const config = { configurable: { thread_id: 't1' } };
	const first = await g.invoke({ stores: [] }, config);
	const resumed = await g.invoke(new Command({ resume: 'yes' }), config);
	return { interrupted: '__interrupt__' in first, resumed };
}

afterEach(() => restoreLangChainContext());

describe('LangChain context without tracing', () => {
	it('runs steps without a LangSmith RunTree, and config reads and interrupts still work', async () => {
		expect(lightenLangChainContext({})).toBe(true);
		const { interrupted, resumed } = await runWithApproval();
		expect(interrupted).toBe(true);
		expect(resumed.answer).toBe('t1: yes');
		expect(resumed.stores).toEqual(['plain', 'plain']);
	});

	it('leaves LangChain as it is when tracing is requested', async () => {
		expect(lightenLangChainContext({ LANGSMITH_TRACING: 'true' })).toBe(false);
		const { resumed } = await runWithApproval();
		expect(resumed.answer).toBe('t1: yes');
		expect(resumed.stores).toEqual(['RunTree', 'RunTree']);
	});

	it('reads the tracing switches LangSmith and LangChain use', () => {
		expect(tracingRequested({})).toBe(false);
		expect(tracingRequested({ LANGCHAIN_TRACING_V2: 'false' })).toBe(false);
		expect(tracingRequested({ LANGCHAIN_TRACING_V2: 'true' })).toBe(true);
		expect(tracingRequested({ LANGSMITH_TRACING: 'TRUE' })).toBe(true);
	});
});
