// Display helpers for the admin page.
import { formatBytes, formatMs } from '$contract/format';

export { formatBytes as bytes, formatMs as duration };

export function time(at: number | null | undefined): string {
	return at ? new Date(at).toLocaleTimeString() : '—';
}

export function percent(fraction: number): string {
	return `${Math.round(fraction * 100)}%`;
}
