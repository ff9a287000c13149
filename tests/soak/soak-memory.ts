// Heap measures for the soak (tests/soak/soak.ts). Both collect garbage first (a full, synchronous GC), so they
// count what is retained, not what is waiting to be collected; each stalls the event loop for a moment.
import v8 from 'node:v8';
import vm from 'node:vm';
import * as Y from 'yjs';

let gc: (() => void) | undefined;
function collectGarbage() {
	if (!gc) {
		v8.setFlagsFromString('--expose-gc');
		gc = vm.runInNewContext('gc') as () => void;
	}
	gc();
}

/** The heap retained by this process now, in bytes. */
export function retainedHeapBytes(): number {
	collectGarbage();
	return process.memoryUsage().heapUsed;
}

/**
 * The heap the given documents retain, in bytes, measured directly: each document's full state (its history —
 * deleted items kept as tombstones — included) is loaded into a fresh Y.Doc, as the server loads a room, and the
 * retained heap is compared before and after, with a full GC each time. Synchronous from the first measure to the
 * last, so nothing else in the process allocates in between. It measures a copy: the original was built update by
 * update, but Yjs merges adjacent structs of one client either way, so the copy has the same items.
 */
export function documentsHeapBytes(docs: Y.Doc[]): number {
	const states = docs.map((doc) => Y.encodeStateAsUpdate(doc));
	const before = retainedHeapBytes();
	const copies = states.map((state) => {
		const copy = new Y.Doc({ gc: true });
		Y.applyUpdate(copy, state);
		return copy;
	});
	const after = retainedHeapBytes();
	for (const copy of copies) copy.destroy();
	return Math.max(0, after - before);
}

export const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
export const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);
