import * as Y from 'yjs';
import { fail, ok, type Result } from '../../src/lib/contract/result';

interface Tracked {
	/** Encoded size at the last measurement. */
	measured: number;
	/** Bytes of the updates admitted since: an upper bound on the growth (give or take a few bytes per split item). */
	since: number;
}

/**
 * Caps the size of each room's document (YJS_MAX_DOC_BYTES): its encoded state, which is what is stored and what a
 * newcomer downloads, pending updates (those waiting for updates they build on) included. Measuring encodes the
 * whole document, so it happens only when the running estimate comes near the cap and something changed since the
 * last measurement. An update that only deletes items the document has is always admitted: that is how a full
 * document gets smaller. Every client update must pass through `admit` (nothing else writes to the documents).
 */
export class DocSizeCap {
	private readonly tracked = new WeakMap<Y.Doc, Tracked>();

	constructor(private readonly maxBytes: number) {}

	/** Whether `update` may be applied to `doc`; on yes its bytes are counted (apply it right away). */
	admit(doc: Y.Doc, update: Uint8Array): Result<null> {
		const t = this.track(doc);
		const n = update.byteLength;
		if (t.measured + t.since + n > this.maxBytes && !deletesOnlyKnownItems(doc, update)) {
			if (t.since > 0) {
				t.measured = Y.encodeStateAsUpdate(doc).byteLength;
				t.since = 0;
			}
			if (t.measured + n > this.maxBytes) {
				return fail(
					'too_large',
					`This room's prompt document is ${t.measured} bytes and may grow to at most ${this.maxBytes} (YJS_MAX_DOC_BYTES); ` +
						`a change of ${n} bytes does not fit. Delete some text first.`
				);
			}
		}
		t.since += n;
		return ok(null);
	}

	private track(doc: Y.Doc): Tracked {
		let t = this.tracked.get(doc);
		if (!t) {
			t = { measured: Y.encodeStateAsUpdate(doc).byteLength, since: 0 };
			this.tracked.set(doc, t);
		}
		return t;
	}
}

/** An update with no new items whose deletions all refer to items the document already has (it can only shrink it). */
function deletesOnlyKnownItems(doc: Y.Doc, update: Uint8Array): boolean {
	let decoded: ReturnType<typeof Y.decodeUpdate>;
	try {
		decoded = Y.decodeUpdate(update);
	} catch {
		return false; // malformed: applying it reports that
	}
	if (decoded.structs.length > 0) return false;
	const known = Y.decodeStateVector(Y.encodeStateVector(doc));
	for (const [client, deletions] of decoded.ds.clients) {
		const end = known.get(client) ?? 0;
		if (deletions.some((d) => d.clock + d.len > end)) return false;
	}
	return true;
}
