// The room's telemetry window: machine samples (CPU, RAM, GPU) from the `telemetry` event, seeded by the join
// snapshot, and per-answer speed (tokens/s, time to first token) from run.answer / compare.answer. Last 10 minutes.
import type { TelemetrySample } from '../contract/live';
import type { RunMetrics } from '../contract/runs';

export const WINDOW_MS = 10 * 60_000;

export interface AnswerPoint {
	key: string;
	at: number;
	modelId: string;
	tokensPerSecond: number;
	timeToFirstTokenMs: number | null;
}

/** uPlot's column format: x (seconds) then one array per series; null leaves a gap. */
export type Columns = [number[], ...(number | null)[][]];

const GIB = 1024 ** 3;

export class TelemetryStore {
	samples = $state.raw<TelemetrySample[]>([]);
	answers = $state.raw<AnswerPoint[]>([]);
	readonly #windowMs: number;
	readonly #now: () => number;

	constructor(options: { windowMs?: number; now?: () => number } = {}) {
		this.#windowMs = options.windowMs ?? WINDOW_MS;
		this.#now = options.now ?? Date.now;
	}

	seed(samples: readonly TelemetrySample[]) {
		const known = new Set(this.samples.map((s) => s.at));
		this.#setSamples([...this.samples, ...samples.filter((s) => !known.has(s.at))].sort((a, b) => a.at - b.at));
	}

	add = (sample: TelemetrySample) => {
		const last = this.samples.at(-1);
		if (last && sample.at <= last.at) return this.seed([sample]);
		this.#setSamples([...this.samples, sample]);
	};

	/** One point per answer (`key` dedupes replays of the same run and model). */
	addAnswer(key: string, at: number, modelId: string, metrics: RunMetrics) {
		if (this.answers.some((a) => a.key === key) || at < this.#now() - this.#windowMs) return; // replays of old runs
		const point = { key, at, modelId, tokensPerSecond: metrics.tokensPerSecond, timeToFirstTokenMs: metrics.timeToFirstTokenMs };
		this.answers = this.#trim(
			[...this.answers, point].sort((a, b) => a.at - b.at),
			(a) => a.at
		);
	}

	get latest(): TelemetrySample | null {
		return this.samples.at(-1) ?? null;
	}

	/** GPUs reported by the latest sample, or why there are none. */
	get gpu(): { available: true; names: string[] } | { available: false; reason: string } {
		const g = this.latest?.gpu;
		if (!g) return { available: false, reason: 'no samples yet' };
		return g.available ? { available: true, names: g.gpus.map((x) => x.name) } : { available: false, reason: g.reason };
	}

	get cpuColumns(): Columns {
		return [this.#xs(), this.samples.map((s) => s.cpu.machinePercent), this.samples.map((s) => s.cpu.processPercent)];
	}

	/** Used machine memory and this process's RSS, in GiB. */
	get memoryColumns(): Columns {
		return [this.#xs(), this.samples.map((s) => s.memory.usedBytes / GIB), this.samples.map((s) => s.memory.processRssBytes / GIB)];
	}

	get memoryTotalGiB(): number {
		return (this.latest?.memory.totalBytes ?? 0) / GIB;
	}

	/** GPU utilisation (%) and VRAM used (GiB) summed over GPUs; null where a sample had no GPU figure. */
	get gpuColumns(): Columns {
		const util = this.samples.map((s) => (s.gpu.available ? avg(s.gpu.gpus.map((g) => g.utilizationPercent)) : null));
		const vram = this.samples.map((s) => (s.gpu.available ? sum(s.gpu.gpus.map((g) => g.vramUsedBytes)) : null));
		return [this.#xs(), util, vram.map((v) => (v === null ? null : v / GIB))];
	}

	get answerColumns(): Columns {
		return [
			this.answers.map((a) => a.at / 1000),
			this.answers.map((a) => a.tokensPerSecond),
			this.answers.map((a) => a.timeToFirstTokenMs)
		];
	}

	#xs() {
		return this.samples.map((s) => s.at / 1000);
	}

	#setSamples(list: TelemetrySample[]) {
		this.samples = this.#trim(list, (s) => s.at);
	}

	#trim<T>(list: T[], at: (x: T) => number): T[] {
		const newest = list.length ? at(list[list.length - 1]) : 0;
		const from = list.findIndex((x) => at(x) >= newest - this.#windowMs);
		return from <= 0 ? list : list.slice(from);
	}
}

function avg(values: (number | null)[]): number | null {
	const xs = values.filter((v): v is number => v !== null);
	return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function sum(values: (number | null)[]): number | null {
	const xs = values.filter((v): v is number => v !== null);
	return xs.length ? xs.reduce((a, b) => a + b, 0) : null;
}
