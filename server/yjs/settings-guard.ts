import * as Y from 'yjs';
import { SETTINGS_MAP } from '../../src/lib/contract/yjs';
import { MalformedMessageError } from './protocol';

const hasPending = (doc: Y.Doc) => doc.store.pendingStructs !== null || doc.store.pendingDs !== null;

/**
 * Whether applying `update` to `doc` would change the shared run settings (the `settings` Y.Map, nested values
 * included). Tried on a copy, so nothing is applied. Which key an item belongs to is only known once it is
 * integrated (most items carry just their left neighbour), hence the copy rather than decoding the update.
 *
 * An update that leaves something pending (it builds on items the server does not have) cannot be judged now: it
 * could change the settings later, when the missing items arrive from someone else. It counts as a change; a client
 * that synced from this server never sends one.
 */
export function changesSettings(doc: Y.Doc, update: Uint8Array): boolean {
	const probe = new Y.Doc({ gc: false });
	try {
		Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc));
		const pendingBefore = hasPending(probe);
		let changed = false;
		probe.getMap(SETTINGS_MAP).observeDeep(() => (changed = true));
		try {
			Y.applyUpdate(probe, update);
		} catch (err) {
			throw new MalformedMessageError(`Not a valid Yjs update: ${err instanceof Error ? err.message : String(err)}`);
		}
		return changed || (!pendingBefore && hasPending(probe));
	} finally {
		probe.destroy();
	}
}
