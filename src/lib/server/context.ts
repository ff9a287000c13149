import type { AppContext } from '../../../server/app';
import { registeredAppContext } from '../../../server/app-registry';

/** The context the process entry registered (server/app-registry.ts): one set of services, also in dev. */
export function appContext(): AppContext {
	const ctx = registeredAppContext();
	if (!ctx) throw new Error('Switchyard app context is not registered: start through server/index.ts or `vite dev`');
	return ctx;
}
