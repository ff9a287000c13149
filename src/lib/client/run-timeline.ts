// A run's waterfall: where its time went (queue wait, each node, model load, time to first token, decode, approval
// wait, retries, summary), folded from its events in seq order. Live runs and playback feed it the same way; a
// segment still going ends at the newest event seen.
import type { NodeName, RunEvent } from '../contract/runs';

export type SegmentKind = 'queue' | 'node' | 'load' | 'first-token' | 'decode' | 'approval' | 'retry';

export interface TimelineSegment {
	id: string;
	kind: SegmentKind;
	label: string;
	/** Epoch ms. */
	start: number;
	/** Epoch ms; null while it is still going. */
	end: number | null;
	/** A short note: tokens per second, cache hit, why it retried… */
	note: string | null;
}

export interface TimelineSnapshot {
	segments: TimelineSegment[];
	firstTs: number | null;
	lastTs: number | null;
	tokensPerSecond: number | null;
}

export const emptyTimeline: TimelineSnapshot = { segments: [], firstTs: null, lastTs: null, tokensPerSecond: null };

const NODE_LABEL: Record<NodeName, string> = {
	taskAnalyzer: 'Task analysis',
	historyReader: 'History',
	resourceMonitor: 'Resources',
	modelRouter: 'Routing',
	executor: 'Executor',
	outputValidator: 'Validation',
	summarizer: 'Summary'
};

export class TimelineBuilder {
	segments: TimelineSegment[] = [];
	/** First and newest event times: the waterfall's extent. */
	firstTs: number | null = null;
	lastTs: number | null = null;

	#open = new Map<string, TimelineSegment>();
	#executorStarts = 0;
	#decodeTokens = 0;

	apply(event: RunEvent) {
		this.firstTs ??= event.ts;
		this.lastTs = Math.max(this.lastTs ?? event.ts, event.ts);
		const ts = event.ts;
		switch (event.type) {
			case 'run.queued':
				this.#start('queue', 'queue', 'Queue wait', ts);
				return;
			case 'run.started':
				this.#end('queue', ts);
				return;
			case 'node.started': {
				const n = event.data.node;
				if (n === 'executor') this.#executorStarts++;
				const label = n === 'executor' && this.#executorStarts > 1 ? `Executor (attempt ${this.#executorStarts})` : NODE_LABEL[n];
				this.#start(`node:${n}`, 'node', label, ts);
				if (n === 'executor') this.#start('first-token', 'first-token', 'Time to first token', ts);
				return;
			}
			case 'node.finished':
			case 'node.failed':
				this.#endNode(event.data.node, ts, event.type === 'node.failed' ? event.data.error : null);
				return;
			case 'node.skipped':
				return;
			case 'model.loading':
				this.#start(`load:${event.data.modelId}`, 'load', `Load ${event.data.modelId}`, ts);
				return;
			case 'model.loaded': {
				const seg = this.#end(`load:${event.data.modelId}`, ts);
				if (seg) seg.note = event.data.cacheHit ? 'already loaded' : `${event.data.loadWaitMs} ms`;
				return;
			}
			case 'tokens':
				if (this.#end('first-token', ts)) {
					this.#decodeTokens = 0;
					this.#start('decode', 'decode', 'Decode', ts);
				}
				this.#decodeTokens += event.data.count;
				this.#touchDecode(ts);
				return;
			case 'run.interrupted':
				this.#start('approval', 'approval', 'Waiting for approval', ts);
				return;
			case 'run.resumed':
				this.#end('approval', ts);
				return;
			case 'retry':
				this.segments.push({
					id: `retry:${event.seq}`,
					kind: 'retry',
					label: `Retry ${event.data.attempt}`,
					start: ts,
					end: ts,
					note: event.data.reason
				});
				return;
			case 'run.answer':
				this.#touchDecode(ts, event.data.metrics.tokensPerSecond);
				return;
			case 'run.finished':
			case 'run.failed':
			case 'run.cancelled':
				for (const id of [...this.#open.keys()]) this.#end(id, ts);
				return;
		}
	}

	/** What a view draws: copies, so a reactive owner sees a new value after every event. */
	snapshot(): TimelineSnapshot {
		return {
			segments: this.segments.map((s) => ({ ...s })),
			firstTs: this.firstTs,
			lastTs: this.lastTs,
			tokensPerSecond: this.tokensPerSecond
		};
	}

	/** Tokens per second of the newest decode segment (live: counted so far). */
	get tokensPerSecond(): number | null {
		const decode = this.segments.findLast((s) => s.kind === 'decode');
		const end = decode?.end ?? this.lastTs;
		if (!decode || end === null || end <= decode.start) return null;
		return this.#decodeTokens / ((end - decode.start) / 1000);
	}

	#start(id: string, kind: SegmentKind, label: string, start: number) {
		this.#end(id, start);
		const seg: TimelineSegment = { id: `${id}#${this.segments.length}`, kind, label, start, end: null, note: null };
		this.segments.push(seg);
		this.#open.set(id, seg);
	}

	#end(id: string, ts: number): TimelineSegment | null {
		const seg = this.#open.get(id);
		if (!seg) return null;
		seg.end = ts;
		this.#open.delete(id);
		return seg;
	}

	#endNode(node: NodeName, ts: number, error: string | null) {
		const seg = this.#end(`node:${node}`, ts);
		if (seg && error) seg.note = error;
		if (node === 'executor') {
			this.#end('first-token', ts);
			this.#touchDecode(ts);
			this.#end('decode', ts);
		}
	}

	#touchDecode(ts: number, tokensPerSecond?: number) {
		const decode = this.#open.get('decode') ?? this.segments.findLast((s) => s.kind === 'decode');
		if (!decode) return;
		if (this.#open.has('decode')) decode.end = null;
		const rate = tokensPerSecond ?? (ts > decode.start ? this.#decodeTokens / ((ts - decode.start) / 1000) : null);
		decode.note = rate === null ? `${this.#decodeTokens} tokens` : `${this.#decodeTokens} tokens · ${rate.toFixed(1)} tok/s`;
	}
}

export interface WaterfallRow {
	id: string;
	kind: SegmentKind;
	label: string;
	/** Where the bar starts and how wide it is, in percent of the run's extent so far. */
	leftPct: number;
	widthPct: number;
	ms: number;
	running: boolean;
	note: string | null;
}

/** The rows to draw: each segment placed on the run's extent (first event to newest, or to the end). */
export function waterfallRows(t: TimelineSnapshot): { rows: WaterfallRow[]; totalMs: number } {
	if (t.firstTs === null || t.lastTs === null) return { rows: [], totalMs: 0 };
	const first = t.firstTs;
	const totalMs = Math.max(1, t.lastTs - first);
	const rows = t.segments.map((s) => {
		const end = s.end ?? t.lastTs!;
		const ms = Math.max(0, end - s.start);
		return {
			id: s.id,
			kind: s.kind,
			label: s.label,
			leftPct: ((s.start - first) / totalMs) * 100,
			// A zero-length mark (a retry, an instant node) stays visible as a sliver.
			widthPct: Math.max(0.5, (ms / totalMs) * 100),
			ms,
			running: s.end === null,
			note: s.note
		};
	});
	return { rows, totalMs: t.lastTs - first };
}
