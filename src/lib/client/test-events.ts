// Builders of run events and summaries for the rune classes' unit tests (never imported by the app).
import type { RoomRunEvent } from '../contract/live';
import type { RunEvent, RunEventData, RunEventType, RunMetrics, RunSummary } from '../contract/runs';

export const ROOM = 'roomaaaaaaaa';

export const metrics = (over: Partial<RunMetrics> = {}): RunMetrics => ({
	queueWaitMs: 0,
	loadWaitMs: 5,
	timeToFirstTokenMs: 12,
	tokensPerSecond: 850,
	promptTokens: 10,
	completionTokens: 40,
	totalMs: 60,
	...over
});

export function ev<K extends RunEventType>(runId: string, seq: number, type: K, data: RunEventData[K], ts = 1_000 + seq): RoomRunEvent {
	return { runId, seq, ts, type, data, roomId: ROOM } as RunEvent & { roomId: string };
}

/** A whole orchestrated run that succeeds on its first attempt: seq 1…n. */
export function happyRun(runId: string, answer = 'Hello **world**'): RoomRunEvent[] {
	const list: [RunEventType, unknown][] = [
		['run.queued', { roomId: ROOM, mode: 'orchestrated', prompt: 'Say hello', authorId: 'useraaaaaaaa', parentRunId: null }],
		['run.started', {}],
		['node.started', { node: 'taskAnalyzer' }],
		['node.started', { node: 'historyReader' }],
		['node.started', { node: 'resourceMonitor' }],
		['node.finished', { node: 'taskAnalyzer', ms: 1.5, output: { task: 'chat' } }],
		['node.finished', { node: 'historyReader', ms: 2, output: {} }],
		['node.finished', { node: 'resourceMonitor', ms: 1, output: {} }],
		['node.started', { node: 'modelRouter' }],
		['node.finished', { node: 'modelRouter', ms: 3, output: { modelId: 'sy-chat-small', reasons: ['fits'] } }],
		['routing.decided', { modelId: 'sy-chat-small', reasons: ['fits'], fallbacks: [], task: null }],
		['node.started', { node: 'executor' }],
		['model.loaded', { modelId: 'sy-chat-small', cacheHit: true, loadWaitMs: 0, queueWaitMs: 0 }],
		['tokens', { modelId: 'sy-chat-small', text: 'Hello ', count: 1 }],
		['tokens', { modelId: 'sy-chat-small', text: '**world**', count: 1 }],
		['node.finished', { node: 'executor', ms: 20, output: { tokens: 2 } }],
		['node.started', { node: 'outputValidator' }],
		['validation.result', { modelId: 'sy-chat-small', ok: true, score: 0.9, findings: [] }],
		['run.answer', { modelId: 'sy-chat-small', text: answer, finishReason: 'stop', metrics: metrics() }],
		['node.finished', { node: 'outputValidator', ms: 1, output: { outcome: 'accept' } }],
		['node.started', { node: 'summarizer' }],
		['node.finished', { node: 'summarizer', ms: 1, output: { title: 'Hello' } }],
		['run.summary', { title: 'Hello', summary: 'A greeting' }],
		['run.finished', { status: 'succeeded', modelId: 'sy-chat-small', metrics: metrics() }]
	];
	return list.map(([type, data], i) => ev(runId, i + 1, type, data as never));
}

export function summary(id: string, over: Partial<RunSummary> = {}): RunSummary {
	return {
		id,
		roomId: ROOM,
		authorId: 'useraaaaaaaa',
		mode: 'orchestrated',
		prompt: 'Say hello',
		status: 'running',
		modelId: null,
		task: null,
		title: null,
		summary: null,
		parentRunId: null,
		forkedFromNode: null,
		createdAt: 1_000,
		startedAt: 1_001,
		finishedAt: null,
		metrics: null,
		error: null,
		lastSeq: 0,
		...over
	};
}

/** A socket stand-in: records what the client emits (with its ack) and lets a test play the server. */
export class FakeSocket {
	connected = true;
	sent: { event: string; payload: any; ack: (result: unknown) => void }[] = [];
	#handlers = new Map<string, Set<(...args: any[]) => void>>();

	on(event: string, fn: (...args: any[]) => void) {
		if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
		this.#handlers.get(event)!.add(fn);
		return this;
	}
	off(event: string, fn: (...args: any[]) => void) {
		this.#handlers.get(event)?.delete(fn);
		return this;
	}
	emit(event: string, payload: unknown, ack: (result: unknown) => void) {
		this.sent.push({ event, payload, ack });
		return this;
	}
	/** The server sends `event` to this client. */
	serve(event: string, ...args: unknown[]) {
		for (const fn of this.#handlers.get(event) ?? []) fn(...args);
	}
	listeners(event: string) {
		return this.#handlers.get(event)?.size ?? 0;
	}
	take(event: string) {
		const i = this.sent.findIndex((s) => s.event === event);
		if (i === -1) throw new Error(`nothing sent on ${event}; sent: ${this.sent.map((s) => s.event).join(', ')}`);
		return this.sent.splice(i, 1)[0];
	}
	count(event: string) {
		return this.sent.filter((s) => s.event === event).length;
	}
}
