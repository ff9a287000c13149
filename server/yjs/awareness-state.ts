import { describeZodError } from '../../src/lib/contract/zod-error';
import type { SocketUser } from '../../src/lib/contract/events';
import { awarenessStateSchema } from '../../src/lib/contract/yjs';
import type { AwarenessEntry } from './protocol';

/**
 * States end up in other people's pages (colours in style attributes, cursors in Yjs position lookups), so only the
 * shape the UI and y-codemirror use is relayed; anything else refuses the whole message. Returns the problem, if any.
 */
export function firstInvalidAwarenessState(entries: AwarenessEntry[]): string | null {
	for (const entry of entries) {
		if (entry.state === null) continue; // a removal
		const parsed = awarenessStateSchema.safeParse(entry.state);
		if (!parsed.success) {
			return `Invalid awareness state for client ${entry.clientId}: ${describeZodError(parsed.error, 'state')}`;
		}
	}
	return null;
}

/** Names come from the login, not the client: nobody can put a cursor on the page under someone else's name. */
export function withIdentity(state: Record<string, unknown>, user: SocketUser): Record<string, unknown> {
	const given = typeof state.user === 'object' && state.user !== null && !Array.isArray(state.user) ? state.user : {};
	return { ...state, user: { ...given, id: user.id, name: user.name } };
}
