// The soak's delivery accounting, from its client processes' reports (soak-protocol.ts): events lost and doubled
// per viewer against each run's stored log, and the p99 of delivery latency per window.
import type { SoakChildReport } from './soak-protocol';

export interface DeliverySummary {
	events: { delivered: number; lost: number; duplicated: number };
	latency: { windowMs: number; p99ByWindowMs: number[]; firstWindowP99Ms: number; lastWindowP99Ms: number; driftRatio: number };
}

/** The value below which `p`% of a histogram's counts lie ([value, count] pairs, any order). */
export function histogramPercentile(histogram: Map<number, number>, p: number): number {
	const sorted = [...histogram].sort(([a], [b]) => a - b);
	const total = sorted.reduce((sum, [, n]) => sum + n, 0);
	const rank = Math.max(1, Math.ceil((p / 100) * total));
	let seen = 0;
	for (const [value, n] of sorted) {
		seen += n;
		if (seen >= rank) return value;
	}
	return 0;
}

export function summarizeDelivery(
	runs: { id: string; roomId: string }[],
	storedCounts: Map<string, number>,
	reports: SoakChildReport[],
	windowMs: number,
	/** How long latency was measured: a last window shorter than half a window is left out (too few samples). */
	measuredMs: number
): DeliverySummary {
	let delivered = 0;
	let lost = 0;
	let duplicated = 0;
	const viewers = reports.flatMap((r) => r.viewers);
	for (const { id, roomId } of runs) {
		const stored = storedCounts.get(id) ?? 0;
		// Every viewer of the run's room counts, including one that received nothing of it.
		for (const viewer of viewers.filter((v) => v.roomId === roomId)) {
			const [received, distinct] = viewer.runs[id] ?? [0, 0];
			delivered += received;
			lost += stored - distinct;
			duplicated += received - distinct;
		}
	}
	const merged = new Map<number, Map<number, number>>();
	for (const report of reports) {
		for (const [window, pairs] of report.latency) {
			const histogram = merged.get(window) ?? new Map<number, number>();
			for (const [ms, n] of pairs) histogram.set(ms, (histogram.get(ms) ?? 0) + n);
			merged.set(window, histogram);
		}
	}
	const complete = Math.floor(measuredMs / windowMs) + (measuredMs % windowMs >= windowMs / 2 ? 1 : 0);
	const windows = [...merged]
		.filter(([window]) => window < complete)
		.sort(([a], [b]) => a - b)
		.map(([, histogram]) => histogramPercentile(histogram, 99));
	const first = windows[0] ?? 0;
	const last = windows.at(-1) ?? 0;
	return {
		events: { delivered, lost, duplicated },
		latency: {
			windowMs,
			p99ByWindowMs: windows,
			firstWindowP99Ms: first,
			lastWindowP99Ms: last,
			driftRatio: first > 0 ? Math.round((last / first) * 100) / 100 : 0
		}
	};
}
