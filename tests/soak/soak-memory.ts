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
	// Twice: one full GC can leave what a finalizer or weak reference released to the next.
	collectGarbage();
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
	return medianOfThree(() => heapOfCopies(states));
}

function heapOfCopies(states: Uint8Array[]): number {
	const before = retainedHeapBytes();
	const copies = states.map((state) => {
		const copy = new Y.Doc({ gc: true });
		Y.applyUpdate(copy, state);
		return copy;
	});
	const after = retainedHeapBytes();
	for (const copy of copies) copy.destroy();
	return after - before;
}

/** A single before/after difference is off by up to ~100 KB now and then (GC timing): take the median of three. */
function medianOfThree(measure: () => number): number {
	const values = [measure(), measure(), measure()].sort((a, b) => a - b);
	return Math.max(0, values[1]);
}

/**
 * The heap a list of plain values retains (Socket.IO's recovery buffer: objects, arrays, Sets, strings, byte
 * arrays), measured the same way: a structured clone is made and the retained heap compared before and after.
 * Byte arrays' contents live outside the V8 heap in both, as heapUsed counts neither.
 */
export function plainValuesHeapBytes(values: unknown[]): number {
	return medianOfThree(() => {
		const before = retainedHeapBytes();
		const copy = structuredClone(values);
		const after = retainedHeapBytes();
		copy.length = 0;
		return after - before;
	});
}

export const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
export const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);
