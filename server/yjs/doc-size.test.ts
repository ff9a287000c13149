import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PROMPT_TEXT } from '../../src/lib/contract/yjs';
import { DocSizeCap } from './doc-size';

/** What a client holding `from` would send for `change` (the update it produces). */
function updateFrom(from: Y.Doc, change: (text: Y.Text) => void): Uint8Array {
	let update: Uint8Array | undefined;
	const capture = (u: Uint8Array) => (update = u);
	from.on('update', capture);
	change(from.getText(PROMPT_TEXT));
	from.off('update', capture);
	if (!update) throw new Error('no change');
	return update;
}

/** Applies `update` to the server's doc if the cap admits it; returns the refusal or null. */
function offer(cap: DocSizeCap, doc: Y.Doc, update: Uint8Array) {
	const admitted = cap.admit(doc, update);
	if (admitted.ok) Y.applyUpdate(doc, update);
	return admitted.ok ? null : admitted.error;
}

const size = (doc: Y.Doc) => Y.encodeStateAsUpdate(doc).byteLength;

describe('DocSizeCap', () => {
	it('admits updates up to the cap and refuses the one that would pass it, naming YJS_MAX_DOC_BYTES', () => {
		const server = new Y.Doc();
		const cap = new DocSizeCap(8 * 1024);
		const clients = Array.from({ length: 4 }, () => new Y.Doc());
		let refusal = null;
		for (let round = 0; round < 20 && !refusal; round++) {
			for (const client of clients) {
				refusal = offer(
					cap,
					server,
					updateFrom(client, (t) => t.insert(t.length, 'x'.repeat(500)))
				);
				if (refusal) break;
			}
		}
		expect(refusal).toEqual({
			code: 'too_large',
			message: expect.stringMatching(/at most 8192 \(YJS_MAX_DOC_BYTES\).*Delete some text first/)
		});
		expect(size(server)).toBeLessThanOrEqual(8 * 1024);
		expect(size(server)).toBeGreaterThan(7 * 1024);
	});

	it('always admits deletions of what the document has, after which text fits again', () => {
		const server = new Y.Doc();
		const client = new Y.Doc();
		const cap = new DocSizeCap(4096);
		const fill = () =>
			offer(
				cap,
				server,
				updateFrom(client, (t) => t.insert(t.length, 'y'.repeat(1000)))
			);
		while (fill() === null);
		const full = size(server);
		expect(
			offer(
				cap,
				server,
				updateFrom(client, (t) => t.delete(0, 3000))
			)
		).toBeNull();
		expect(size(server)).toBeLessThan(full - 2500);
		expect(fill()).toBeNull();
	});

	it('counts what the document cannot integrate yet, and deletions of items it does not have', () => {
		const server = new Y.Doc();
		const cap = new DocSizeCap(4096);
		// Updates that build on an update the server never got stay pending in memory: they count too.
		const elsewhere = new Y.Doc();
		updateFrom(elsewhere, (t) => t.insert(0, 'never sent'));
		let refusal = null;
		for (let i = 0; i < 20 && !refusal; i++)
			refusal = offer(
				cap,
				server,
				updateFrom(elsewhere, (t) => t.insert(t.length, 'z'.repeat(400)))
			);
		expect(refusal?.code).toBe('too_large');
		expect(server.getText(PROMPT_TEXT).length).toBe(0);
		expect(size(server)).toBeLessThanOrEqual(4096);

		// A delete set naming items the server does not have would be kept (and stored) too: not free either.
		const ghost = new Y.Doc();
		ghost.getText(PROMPT_TEXT).insert(0, 'g'.repeat(2000));
		const scattered = updateFrom(ghost, (t) =>
			ghost.transact(() => {
				for (let i = 0; i < 1000; i++) t.delete(i, 1); // every other character: a thousand ranges
			})
		);
		expect(cap.admit(server, scattered)).toMatchObject({ ok: false, error: { code: 'too_large' } });
	});

	it('measures a document loaded over the cap, and lets it shrink', () => {
		const loaded = new Y.Doc();
		const writer = new Y.Doc();
		Y.applyUpdate(
			loaded,
			updateFrom(writer, (t) => t.insert(0, 'w'.repeat(6000)))
		);
		const cap = new DocSizeCap(4096);
		expect(
			offer(
				cap,
				loaded,
				updateFrom(writer, (t) => t.insert(0, 'one more'))
			)?.code
		).toBe('too_large');
		// The refused change stayed with its writer; someone with the server's state deletes.
		const editor = new Y.Doc();
		Y.applyUpdate(editor, Y.encodeStateAsUpdate(loaded));
		expect(
			offer(
				cap,
				loaded,
				updateFrom(editor, (t) => t.delete(0, 5000))
			)
		).toBeNull();
		expect(
			offer(
				cap,
				loaded,
				updateFrom(editor, (t) => t.insert(0, 'fits now'))
			)
		).toBeNull();
	});
});
