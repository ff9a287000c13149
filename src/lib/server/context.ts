import type { AppContext } from '../../../server/app';

// Read the context the process entry registered (see server/app.ts registerAppContext). Type-only import above:
// pulling server/ modules into SvelteKit's bundle would create a second set of services.
const REGISTRY_KEY = Symbol.for('switchyard.app-context');

export function appContext(): AppContext {
	const ctx = (globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as AppContext | undefined;
	if (!ctx) throw new Error('Switchyard app context is not registered: start through server/index.ts or `vite dev`');
	return ctx;
}
