// LangChain runs every graph step (each node, each channel write, each edge) inside
// AsyncLocalStorageProviderSingleton.runWithConfig, which builds a LangSmith RunTree each time even when tracing is
// off: ids, timestamps and environment reads that were the largest single cost of a run's orchestration. Nodes only
// need the store it creates to carry their config (interrupt(), getConfig() read it back), so while tracing is off
// that store is made directly. With tracing on, or callbacks passed in, LangChain's own code runs unchanged.
import { AsyncLocalStorageProviderSingleton, _CONTEXT_VARIABLES_KEY } from '@langchain/core/singletons';

/** Where LangChain keeps a runnable's config in the store (@langchain/core/singletons/async_local_storage). */
const LC_CHILD_KEY = Symbol.for('lc:child_config');
const TRACING_ENV = ['LANGSMITH_TRACING', 'LANGSMITH_TRACING_V2', 'LANGCHAIN_TRACING', 'LANGCHAIN_TRACING_V2'];

type RunWithConfig = typeof AsyncLocalStorageProviderSingleton.runWithConfig;
type Store = Record<string | symbol, unknown>;

let installed = false;

/** True when an environment variable turns LangSmith tracing on. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
	return TRACING_ENV.some((name) => env[name]?.toLowerCase() === 'true');
}

/**
 * Makes graph steps skip the RunTree while tracing is off; returns whether it did (it leaves LangChain alone when
 * tracing is requested). Idempotent.
 */
export function lightenLangChainContext(env: NodeJS.ProcessEnv = process.env): boolean {
	if (tracingRequested(env)) return false;
	if (installed) return true;
	const provider = AsyncLocalStorageProviderSingleton;
	const libraryRunWithConfig = provider.runWithConfig.bind(provider);
	installed = true;
	// An own property over the class's method: deleting it puts LangChain's back.
	provider.runWithConfig = ((config, callback, avoidCreatingRootRunTree) => {
		if (config?.callbacks) return libraryRunWithConfig(config, callback, avoidCreatingRootRunTree);
		const storage = provider.getInstance();
		const previous = storage.getStore() as Store | undefined;
		// What LangChain's RunTree carried that anything reads: the config, tracing off, the context variables.
		const store: Store = { extra: { [LC_CHILD_KEY]: config }, tracingEnabled: false };
		if (previous?.[_CONTEXT_VARIABLES_KEY] !== undefined) store[_CONTEXT_VARIABLES_KEY] = previous[_CONTEXT_VARIABLES_KEY];
		return storage.run(store, callback);
	}) as RunWithConfig;
	return true;
}

/** Puts LangChain's own runWithConfig back (tests). */
export function restoreLangChainContext(): void {
	if (!installed) return;
	delete (AsyncLocalStorageProviderSingleton as { runWithConfig?: RunWithConfig }).runWithConfig;
	installed = false;
}
