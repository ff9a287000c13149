// The room's keyboard shortcuts: one table for the handler and the help overlay.

export type ShortcutAction = 'run' | 'cancel' | 'help' | 'edit' | 'search' | 'follow';

export interface Shortcut {
	action: ShortcutAction;
	keys: string[];
	label: string;
}

export const SHORTCUTS: Shortcut[] = [
	{ action: 'run', keys: ['Ctrl/⌘', 'Enter'], label: 'Run the shared prompt (works in the editor)' },
	{ action: 'cancel', keys: ['Esc'], label: 'Cancel the running run (or close this help)' },
	{ action: 'edit', keys: ['E'], label: 'Edit the prompt' },
	{ action: 'search', keys: ['/'], label: 'Search the run history' },
	{ action: 'follow', keys: ['F'], label: 'Follow the live run again (leave history playback)' },
	{ action: 'help', keys: ['?'], label: 'Show these shortcuts' }
];

export interface KeyLike {
	key: string;
	ctrlKey: boolean;
	metaKey: boolean;
	altKey: boolean;
	/** Whether the key went to something that takes text (an input, the editor). */
	editable: boolean;
}

/** The action a key press means, or null. Plain letters only count outside text fields. */
export function shortcutFor(e: KeyLike): ShortcutAction | null {
	if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) return 'run';
	if (e.key === 'Escape') return 'cancel';
	if (e.editable || e.ctrlKey || e.metaKey || e.altKey) return null;
	if (e.key === '?') return 'help';
	if (e.key === 'e' || e.key === 'E') return 'edit';
	if (e.key === '/') return 'search';
	if (e.key === 'f' || e.key === 'F') return 'follow';
	return null;
}

/** True for targets that take typing: inputs, textareas, selects and contenteditable (CodeMirror). */
export function isEditable(target: EventTarget | null): boolean {
	if (!target || typeof (target as Element).closest !== 'function') return false;
	const el = target as HTMLElement;
	return !!el.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]');
}
