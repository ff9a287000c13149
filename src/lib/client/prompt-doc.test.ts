// @vitest-environment jsdom
import { afterEach, describe, expect, test, vi } from 'vitest';
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { defaultPromptSettings } from '../contract/yjs';
import { PromptDoc } from './prompt-doc.svelte';
import { ROOM } from './test-events';

/** Two people's drafts wired to each other the way the server relays them. */
function pair() {
	const ann = new PromptDoc(ROOM, { id: 'ann', name: 'Ann' }, { typingIdleMs: 1000 });
	const bob = new PromptDoc(ROOM, { id: 'bob', name: 'Bob' }, { typingIdleMs: 1000 });
	for (const [from, to] of [
		[ann, bob],
		[bob, ann]
	] as const) {
		from.doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(to.doc, u, 'remote'));
		from.awareness.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
			if (origin !== 'remote')
				applyAwarenessUpdate(to.awareness, encodeAwarenessUpdate(from.awareness, [...added, ...updated, ...removed]), 'remote');
		});
	}
	// Initial awareness exchange.
	applyAwarenessUpdate(bob.awareness, encodeAwarenessUpdate(ann.awareness, [ann.doc.clientID]), 'remote');
	applyAwarenessUpdate(ann.awareness, encodeAwarenessUpdate(bob.awareness, [bob.doc.clientID]), 'remote');
	return { ann, bob };
}

afterEach(() => vi.useRealTimers());

describe('PromptDoc', () => {
	test('settings written by one person are read by the other, validated', () => {
		const { ann, bob } = pair();
		expect(bob.settings).toEqual(defaultPromptSettings);
		ann.set('mode', 'compare');
		ann.set('temperature', 1.2);
		ann.set('approvalGate', true);
		expect(bob.settings).toMatchObject({ mode: 'compare', temperature: 1.2, approvalGate: true });
		ann.doc.getMap('settings').set('maxTokens', 999_999); // out of bounds: the default
		expect(bob.settings.maxTokens).toBe(defaultPromptSettings.maxTokens);
		ann.setCompareModels(['sy-chat-small', 'Not An Id', 'sy-code-small']);
		expect(bob.compareModels).toEqual(['sy-chat-small', 'sy-code-small']);
	});

	test('the prompt converges and knows when it is empty', () => {
		const { ann, bob } = pair();
		expect(bob.empty).toBe(true);
		ann.text.insert(0, 'Hello');
		bob.text.insert(5, ' there');
		expect(ann.text.toString()).toBe('Hello there');
		expect(ann.empty).toBe(false);
		bob.text.delete(0, bob.text.length);
		bob.text.insert(0, '   ');
		expect(ann.empty).toBe(true);
	});

	test('peers carry name and colour, and typing while they type', () => {
		vi.useFakeTimers();
		const { ann, bob } = pair();
		expect(ann.peers).toHaveLength(1);
		expect(ann.peers[0]).toMatchObject({ name: 'Bob', userId: 'bob', color: bob.user.color, typing: false });
		expect(bob.user.color).toMatch(/^#[0-9a-f]{6}$/);
		expect(bob.user.colorLight).toBe(`${bob.user.color}33`);
		bob.text.insert(0, 'x');
		expect(ann.typingPeers.map((p) => p.name)).toEqual(['Bob']);
		expect(bob.typingPeers).toEqual([]); // Ann's typing is not triggered by Bob's remote edit
		vi.advanceTimersByTime(1100);
		expect(ann.typingPeers).toEqual([]);
	});

	test('destroy stops observing', () => {
		const { ann, bob } = pair();
		bob.destroy();
		ann.set('mode', 'direct');
		expect(bob.settings.mode).toBe('orchestrated');
	});
});
