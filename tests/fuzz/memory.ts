// The fuzz's memory figures. Every snapshot follows a full GC, so growth means retained memory, not garbage waiting
// for the collector. RSS is split into what V8 holds (its committed heap, which it keeps after a GC until it shrinks
// it when idle), what JS objects hold natively (`external`: Buffers, typed arrays' stores) and the rest (native memory
// no JS object holds: allocator pages not returned, llama.cpp), with the file-backed part (mapped model files and
// binaries, which the kernel can drop) from /proc/self/status.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface MemorySnapshot extends NodeJS.MemoryUsage {
	/** File-backed resident pages (Linux); null where /proc is not there. */
	rssFile: number | null;
}

export interface MemoryFigures {
	heapUsedMb: { before: number; after: number };
	/** V8's committed heap pages. */
	heapTotalMb: { before: number; after: number };
	rssMb: { before: number; after: number };
	rssFileMb: { before: number | null; after: number | null };
	/** Memory of C++ objects bound to JS ones (Buffers and typed arrays' stores included). */
	externalMb: { before: number; after: number };
	/** Buffers, ArrayBuffers and SharedArrayBuffers (part of `external`): raw bytes some JS object still holds. */
	arrayBuffersMb: { before: number; after: number };
	/** Where RSS growth went: V8's committed heap, `external`, and the rest (native, held by no JS object). */
	rssGrowthMb: { total: number; v8Heap: number; external: number; rest: number };
	/** After `settleMs` idle and another full GC (only when asked for): what RSS and V8's heap come back to. */
	settled?: { afterMs: number; rssMb: number; heapTotalMb: number; rssFileMb: number | null };
}

export function retainedMemory(): MemorySnapshot {
	v8.setFlagsFromString('--expose-gc');
	(vm.runInNewContext('gc') as () => void)();
	return { ...process.memoryUsage(), rssFile: rssFileBytes() };
}

function rssFileBytes(): number | null {
	try {
		const kb = /^RssFile:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
		return kb === undefined ? null : Number(kb) * 1024;
	} catch {
		return null;
	}
}

export const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const mbOrNull = (bytes: number | null) => (bytes === null ? null : mb(bytes));

export async function memoryFigures(before: MemorySnapshot, after: MemorySnapshot, settleMs = 0): Promise<MemoryFigures> {
	const pair = (key: 'heapUsed' | 'heapTotal' | 'rss' | 'external' | 'arrayBuffers') => ({
		before: mb(before[key]),
		after: mb(after[key])
	});
	const grown = (key: 'rss' | 'heapTotal' | 'external') => after[key] - before[key];
	const figures: MemoryFigures = {
		heapUsedMb: pair('heapUsed'),
		heapTotalMb: pair('heapTotal'),
		rssMb: pair('rss'),
		rssFileMb: { before: mbOrNull(before.rssFile), after: mbOrNull(after.rssFile) },
		externalMb: pair('external'),
		arrayBuffersMb: pair('arrayBuffers'),
		rssGrowthMb: {
			total: mb(grown('rss')),
			v8Heap: mb(grown('heapTotal')),
			external: mb(grown('external')),
			rest: mb(grown('rss') - grown('heapTotal') - grown('external'))
		}
	};
	if (settleMs > 0) {
		await new Promise((resolve) => setTimeout(resolve, settleMs));
		const settled = retainedMemory();
		figures.settled = {
			afterMs: settleMs,
			rssMb: mb(settled.rss),
			heapTotalMb: mb(settled.heapTotal),
			rssFileMb: mbOrNull(settled.rssFile)
		};
	}
	return figures;
}
