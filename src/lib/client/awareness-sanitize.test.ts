import { describe, expect, it } from 'vitest';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { awarenessStateSchema, PROMPT_TEXT, renderableAwarenessState } from '../contract/yjs';
import { sanitizeAwarenessUpdate } from './awareness-sanitize';

/** A cursor exactly as y-codemirror puts it in the awareness state (RelativePosition objects, JSON-encoded). */
function realCursor() {
	const doc = new Y.Doc();
	const text = doc.getText(PROMPT_TEXT);
	text.insert(0, 'hello');
	const pos = (i: number) => JSON.parse(JSON.stringify(Y.createRelativePositionFromTypeIndex(text, i)));
	return { anchor: pos(1), head: pos(5) };
}

const goodState = () => ({
	user: { id: 'u1', name: 'Ann', color: '#0ea5e9', colorLight: '#0ea5e933' },
	cursor: realCursor(),
	typing: true
});

describe('awareness states', () => {
	it('accepts what the UI and y-codemirror send, and a fresh Awareness’s empty state', () => {
		for (const state of [goodState(), {}, { user: { name: 'Ann', color: '#22C55E' } }, { cursor: null }]) {
			expect(awarenessStateSchema.safeParse(state).success, JSON.stringify(state)).toBe(true);
		}
	});

	it.each([
		['a colour that is CSS', { user: { color: 'red; background-image: url(https://evil.example/x)' } }],
		['a short colour', { user: { color: '#000' } }],
		['a tint that is CSS', { user: { color: '#000000', colorLight: '#000000;position:fixed' } }],
		['an overlong name', { user: { name: 'x'.repeat(101) } }],
		['a name that is not text', { user: { name: { toString: 1 } } }],
		['unknown user keys', { user: { style: 'x' } }],
		['unknown state keys', { user: {}, html: '<img src=x onerror=alert(1)>' }],
		['empty relative positions', { cursor: { anchor: {}, head: { type: {} } } }],
		[
			'positions with missing keys',
			{ cursor: { anchor: { tname: 'prompt', item: null, assoc: 0 }, head: { tname: 'prompt', item: null, assoc: 0 } } }
		],
		[
			'positions naming another type',
			{
				cursor: {
					anchor: { type: null, tname: '__proto__', item: null, assoc: 0 },
					head: { type: null, tname: 'prompt', item: null, assoc: 0 }
				}
			}
		],
		[
			'positions that point nowhere',
			{ cursor: { anchor: { type: null, tname: null, item: null, assoc: 0 }, head: { type: null, tname: 'prompt', item: null, assoc: 0 } } }
		],
		[
			'an id without numbers',
			{
				cursor: {
					anchor: { type: null, tname: 'prompt', item: { client: 'x', clock: 1 }, assoc: 0 },
					head: { type: null, tname: 'prompt', item: null, assoc: 0 }
				}
			}
		],
		['numbers as a cursor', { cursor: { anchor: 3, head: 5 } }],
		['typing that is not a boolean', { typing: 'yes' }]
	])('refuses %s', (_what, state) => {
		expect(awarenessStateSchema.safeParse(state).success).toBe(false);
	});

	it('makes any state renderable: bad fields dropped, a bad cursor nulled, good ones kept', () => {
		const good = goodState();
		expect(renderableAwarenessState(good)).toEqual(good);
		expect(
			renderableAwarenessState({
				user: { name: 'Eve', color: 'red;x:y', colorLight: 'url(x)' },
				cursor: { anchor: {}, head: { type: {} } },
				extra: 1
			})
		).toEqual({
			user: { name: 'Eve' },
			cursor: null
		});
		expect(renderableAwarenessState('not an object')).toEqual({});
		expect(renderableAwarenessState({ user: 'Eve' })).toEqual({});
	});

	it('sanitizes an encoded awareness update entry by entry, keeping ids, clocks and removals', () => {
		const doc = new Y.Doc();
		const awareness = new Awareness(doc);
		awareness.setLocalState({ user: { name: 'Mallory', color: 'red;background:url(x)' }, cursor: { anchor: {}, head: { type: {} } } });
		const safe = sanitizeAwarenessUpdate(encodeAwarenessUpdate(awareness, [doc.clientID]));
		const receiver = new Awareness(new Y.Doc());
		// Applying the raw update as is would put the CSS into the receiver's state; the sanitised one does not.
		applyAwarenessUpdate(receiver, safe!, 'test');
		expect(receiver.getStates().get(doc.clientID)).toEqual({ user: { name: 'Mallory' }, cursor: null });
		expect(sanitizeAwarenessUpdate(new Uint8Array([5, 1]))).toBeNull();
	});
});
