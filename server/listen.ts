import type { EventEmitter } from 'node:events';

type Listeners<E extends Record<keyof E, unknown[]>> = { [K in keyof E]?: (...args: E[K]) => void };

/** Adds a set of listeners to an emitter; the returned function removes exactly those (one place pairs on with off). */
export function listen<E extends Record<keyof E, unknown[]>>(emitter: EventEmitter<E>, listeners: NoInfer<Listeners<E>>): () => void {
	const entries = Object.entries(listeners) as [string, (...args: unknown[]) => void][];
	const target = emitter as unknown as EventEmitter;
	for (const [event, listener] of entries) target.on(event, listener);
	return () => {
		for (const [event, listener] of entries) target.off(event, listener);
	};
}
