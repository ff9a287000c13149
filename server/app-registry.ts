// SvelteKit's hooks reach the entry's context through this registry instead of importing module singletons, which
// in dev would create a second set of services inside Vite's SSR module graph. No runtime imports: SvelteKit's
// bundle may import this module without pulling in any service.
import type { AppContext } from './app';

const REGISTRY_KEY = Symbol.for('switchyard.app-context');

export function registerAppContext(ctx: AppContext): void {
	(globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = ctx;
}

export function registeredAppContext(): AppContext | undefined {
	return (globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as AppContext | undefined;
}
