// Display helpers for the admin page.
const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

export function bytes(n: number | null | undefined): string {
	if (n === null || n === undefined) return '—';
	if (n < 1024) return `${n} B`;
	let value = n / 1024;
	let unit = 0;
	while (value >= 1024 && unit < UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function duration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined) return '—';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	const s = ms / 1000;
	if (s < 120) return `${Math.round(s)} s`;
	if (s < 7200) return `${Math.round(s / 60)} min`;
	return `${(s / 3600).toFixed(1)} h`;
}

export function time(at: number | null | undefined): string {
	return at ? new Date(at).toLocaleTimeString() : '—';
}

export function percent(fraction: number): string {
	return `${Math.round(fraction * 100)}%`;
}
