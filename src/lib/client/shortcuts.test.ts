// @vitest-environment jsdom
import { expect, test } from 'vitest';
import { isEditable, shortcutFor, SHORTCUTS } from './shortcuts';

const key = (key: string, over: Partial<Parameters<typeof shortcutFor>[0]> = {}) =>
	shortcutFor({ key, ctrlKey: false, metaKey: false, altKey: false, editable: false, ...over });

test('run with Ctrl or Cmd + Enter, even while typing; Esc cancels', () => {
	expect(key('Enter', { ctrlKey: true })).toBe('run');
	expect(key('Enter', { metaKey: true, editable: true })).toBe('run');
	expect(key('Enter')).toBeNull();
	expect(key('Escape', { editable: true })).toBe('cancel');
});

test('single keys only outside text fields', () => {
	expect(key('?')).toBe('help');
	expect(key('?', { editable: true })).toBeNull();
	expect(key('/')).toBe('search');
	expect(key('e')).toBe('edit');
	expect(key('f')).toBe('follow');
	expect(key('e', { ctrlKey: true })).toBeNull();
	expect(SHORTCUTS.map((s) => s.action)).toEqual(expect.arrayContaining(['run', 'cancel', 'help']));
});

test('editable targets', () => {
	document.body.innerHTML = '<input id="i"><div contenteditable="true"><p id="p">x</p></div><button id="b">b</button>';
	expect(isEditable(document.getElementById('i'))).toBe(true);
	expect(isEditable(document.getElementById('p'))).toBe(true);
	expect(isEditable(document.getElementById('b'))).toBe(false);
	expect(isEditable(null)).toBe(false);
});
