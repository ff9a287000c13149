// The one place numbers become words for people: server messages (eviction previews, routing reasons) and the UI.

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** 512 B, 3.4 MiB, 12 GiB; '—' when unknown. */
export function formatBytes(bytes: number | null | undefined): string {
	if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
	if (bytes < 1024) return `${bytes} B`;
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** 840 ms, 3.2 s, 2 min 5 s, 1.5 h; '—' when unknown. */
export function formatMs(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
	if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	if (ms < 7_200_000) {
		const seconds = Math.round((ms % 60_000) / 1000);
		return `${Math.floor(ms / 60_000)} min${seconds ? ` ${seconds} s` : ''}`;
	}
	return `${(ms / 3_600_000).toFixed(1)} h`;
}
