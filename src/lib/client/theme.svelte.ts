// Follows the page's theme (the `.dark` class on <html>, which ThemeToggle flips) for widgets that need it in
// script: the graph's colour mode, chart colours, the editor.
export class ThemeWatcher {
	dark = $state(false);
	#observer: MutationObserver | null = null;

	constructor() {
		if (typeof document === 'undefined') return;
		const root = document.documentElement;
		this.dark = root.classList.contains('dark');
		this.#observer = new MutationObserver(() => (this.dark = root.classList.contains('dark')));
		this.#observer.observe(root, { attributes: true, attributeFilter: ['class'] });
	}

	destroy() {
		this.#observer?.disconnect();
	}
}

/** "12:04:31" in the viewer's locale. */
export function formatTime(ts: number): string {
	return new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "3 min ago" style, from `now`. */
export function formatAgo(ts: number, now = Date.now()): string {
	const s = Math.max(0, Math.round((now - ts) / 1000));
	if (s < 45) return 'just now';
	if (s < 3600) return `${Math.round(s / 60)} min ago`;
	if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
	return new Date(ts).toLocaleDateString();
}
