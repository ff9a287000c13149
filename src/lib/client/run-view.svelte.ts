// One run as a viewer sees it: its RunEvents applied strictly in seq order (duplicates ignored, gaps held back until
// the missing events arrive), folded into what the room draws — node states, streamed text, answers, approval.
import {
	inheritedNodes,
	NODE_NAMES,
	TERMINAL_STATUSES,
	type NodeName,
	type RunEvent,
	type RunEventData,
	type RunMetrics,
	type RunMode,
	type RunStatus,
	type RunSummary
} from '../contract/runs';
import { initialNodes, type NodeState, type NodeStatus } from './run-nodes';
import { emptyTimeline, TimelineBuilder, type TimelineSnapshot } from './run-timeline';
import { toolCallMark, withToolCall, type ToolCallMark } from './tool-marks';

export type { NodeState, NodeStatus } from './run-nodes';

/** `applied`: in order, now part of the view; `duplicate`: seen before; `gap`: held back, events before it are missing. */
export type ApplyResult = 'applied' | 'duplicate' | 'gap';

export type CompareAnswer = RunEventData['compare.answer'];

export class RunView {
	readonly id: string;
	roomId = $state<string | null>(null);
	status = $state<RunStatus>('queued');
	mode = $state<RunMode>('orchestrated');
	prompt = $state('');
	authorId = $state<string | null>(null);
	parentRunId = $state<string | null>(null);
	/** The seq of the last recovered `run.started` applied (a rewritten log repeats seqs from there; see RoomRuns). */
	recoveredSeq = 0;
	/** A fork: the node it started from. */
	forkedFromNode = $state<NodeName | null>(null);
	/** The last seq applied: everything up to it is in the view, nothing after it. */
	lastSeq = $state(0);
	createdAt = $state<number | null>(null);
	finishedAt = $state<number | null>(null);

	nodes = $state<Record<NodeName, NodeState>>(initialNodes());
	/** The model answering now (routing, retries and fallbacks change it). */
	modelId = $state<string | null>(null);
	loadingModel = $state<string | null>(null);
	/** While a model loads for this run: how far (0–1, from node-llama-cpp) and the file's size. */
	loadProgress = $state<{ modelId: string; fraction: number; sizeBytes: number | null } | null>(null);
	routing = $state<RunEventData['routing.decided'] | null>(null);
	validation = $state<RunEventData['validation.result'] | null>(null);
	interruption = $state<RunEventData['run.interrupted'] | null>(null);
	resumed = $state<RunEventData['run.resumed'] | null>(null);
	retries = $state<RunEventData['retry'][]>([]);
	/** The tools the model called, in order, every attempt's (the graph marks them on the executor). */
	toolCalls = $state<ToolCallMark[]>([]);
	/** Text streamed by the current attempt, per model (one model unless comparing), in the order models started. */
	streams = $state<Record<string, string>>({});
	answer = $state<RunEventData['run.answer'] | null>(null);
	compareAnswers = $state<CompareAnswer[]>([]);
	summary = $state<RunEventData['run.summary'] | null>(null);
	metrics = $state<RunMetrics | null>(null);
	failure = $state<RunEventData['run.failed'] | null>(null);
	cancellation = $state<RunEventData['run.cancelled'] | null>(null);
	/** True from a `retry` until the validator runs again: the graph animates the validator → executor edge. */
	retrying = $state(false);

	/** Where the run's time went (the waterfall beside the graph). */
	timeline = $state<TimelineSnapshot>(emptyTimeline);

	/** Told about every event that becomes part of the view, in seq order (drained ones included). Not reactive. */
	onApplied: ((event: RunEvent) => void) | null = null;

	#pending = new Map<number, RunEvent>();
	#timeline = new TimelineBuilder();

	constructor(id: string) {
		this.id = id;
	}

	/** A view seeded from a stored summary; its events (replayed from seq 0) fill in the rest. */
	static fromSummary(run: RunSummary): RunView {
		const view = new RunView(run.id);
		view.roomId = run.roomId;
		view.status = run.status;
		view.mode = run.mode;
		view.prompt = run.prompt;
		view.authorId = run.authorId;
		view.parentRunId = run.parentRunId;
		view.#markFork((NODE_NAMES as readonly string[]).includes(run.forkedFromNode ?? '') ? (run.forkedFromNode as NodeName) : null);
		view.modelId = run.modelId;
		view.createdAt = run.createdAt;
		view.finishedAt = run.finishedAt;
		view.metrics = run.metrics;
		if (run.title) view.summary = { title: run.title, summary: run.summary ?? '' };
		return view;
	}

	/** A view of `events` applied from the start (history playback). */
	static fromEvents(id: string, events: readonly RunEvent[]): RunView {
		const view = new RunView(id);
		for (const e of events) view.apply(e);
		return view;
	}

	get terminal(): boolean {
		return TERMINAL_STATUSES.includes(this.status);
	}

	get active(): boolean {
		return !this.terminal;
	}

	/** Events are missing before some that arrived: replay from `lastSeq`. */
	get hasGap(): boolean {
		return this.#pending.size > 0;
	}

	get title(): string {
		return this.summary?.title || this.prompt.split('\n')[0].slice(0, 80) || 'Untitled run';
	}

	/** The answer as it stands: the validated one when it came, else what the current attempt streamed. */
	get text(): string {
		if (this.answer) return this.answer.text;
		return Object.values(this.streams).join('\n\n');
	}

	/** Compare mode: the models answering, in the order they started streaming or answered. */
	get compareModels(): string[] {
		return [...new Set([...Object.keys(this.streams), ...this.compareAnswers.map((a) => a.modelId)])];
	}

	/** Compare mode: the model whose answer won (the run's final model once it succeeded). */
	get bestModel(): string | null {
		return this.answer?.modelId ?? (this.status === 'succeeded' ? this.modelId : null);
	}

	/** The node a waiting or running run is at (for "where is it now"). */
	get currentNode(): NodeName | null {
		return (
			NODE_NAMES.find((n) => this.nodes[n].status === 'waiting') ??
			[...NODE_NAMES].reverse().find((n) => this.nodes[n].status === 'running') ??
			null
		);
	}

	apply(event: RunEvent): ApplyResult {
		if (event.runId !== this.id) throw new Error(`event of run ${event.runId} applied to ${this.id}`);
		if (event.seq <= this.lastSeq || this.#pending.has(event.seq)) return 'duplicate';
		if (event.seq > this.lastSeq + 1) {
			this.#pending.set(event.seq, event);
			return 'gap';
		}
		this.#take(event);
		for (let next = this.#pending.get(this.lastSeq + 1); next; next = this.#pending.get(this.lastSeq + 1)) {
			this.#pending.delete(next.seq);
			this.#take(next);
		}
		return 'applied';
	}

	#take(event: RunEvent) {
		this.#reduce(event);
		this.#timeline.apply(event);
		this.timeline = this.#timeline.snapshot();
		this.lastSeq = event.seq;
		this.onApplied?.(event);
	}

	/** The attempt now running: 1, then one more per retry. */
	get #attempt(): number {
		return this.retries.length + 1;
	}

	#markFork(node: NodeName | null) {
		if (!node || this.forkedFromNode === node) return;
		this.forkedFromNode = node;
		for (const n of inheritedNodes(node))
			if (this.nodes[n].status === 'idle') this.#node(n, { status: 'inherited', note: 'from the parent run' });
	}

	#node(node: NodeName, patch: Partial<NodeState>) {
		this.nodes[node] = { ...this.nodes[node], ...patch };
	}

	#settleNodes(to: NodeStatus, note: string | null) {
		for (const n of NODE_NAMES) {
			const s = this.nodes[n].status;
			if (s === 'running' || s === 'waiting') this.#node(n, { status: to, note });
		}
	}

	#reduce(event: RunEvent) {
		switch (event.type) {
			case 'run.queued':
				this.roomId = event.data.roomId;
				this.mode = event.data.mode;
				this.prompt = event.data.prompt;
				this.authorId = event.data.authorId;
				this.parentRunId = event.data.parentRunId;
				this.#markFork(event.data.forkedFromNode ?? null);
				this.createdAt ??= event.ts;
				if (!this.terminal) this.status = 'queued';
				return;
			case 'run.started':
				this.status = 'running';
				if (event.data.recovered) {
					this.recoveredSeq = event.seq;
					// The server restarted: the node that was running starts over, so its partial output goes.
					this.streams = {};
					this.loadingModel = null;
					// An executor that starts over makes its calls again.
					if (this.nodes.executor.status === 'running') this.toolCalls = this.toolCalls.filter((c) => c.attempt !== this.#attempt);
					for (const n of NODE_NAMES) if (this.nodes[n].status === 'running') this.#node(n, { status: 'idle', note: null });
				}
				return;
			case 'node.started':
				if (event.data.node === 'outputValidator') this.retrying = false;
				this.#node(event.data.node, { status: 'running', note: null, starts: this.nodes[event.data.node].starts + 1 });
				return;
			case 'node.finished':
				this.#node(event.data.node, { status: 'done', ms: event.data.ms, output: event.data.output, note: null });
				return;
			case 'node.skipped':
				this.#node(event.data.node, { status: 'skipped', note: event.data.reason });
				return;
			case 'node.failed':
				this.#node(event.data.node, { status: 'failed', ms: event.data.ms, note: event.data.error });
				return;
			case 'routing.decided':
				this.routing = event.data;
				this.modelId = event.data.modelId;
				return;
			case 'run.interrupted': {
				this.interruption = event.data;
				this.status = 'waiting_approval';
				const at = this.currentNode ?? 'modelRouter';
				this.#node(at, { status: 'waiting', note: 'waiting for approval' });
				return;
			}
			case 'run.resumed':
				this.resumed = event.data;
				this.interruption = null;
				this.status = 'running';
				for (const n of NODE_NAMES) if (this.nodes[n].status === 'waiting') this.#node(n, { status: 'idle', note: null });
				return;
			case 'model.loading':
				this.loadingModel = event.data.modelId;
				this.loadProgress = { modelId: event.data.modelId, fraction: 0, sizeBytes: event.data.sizeBytes ?? null };
				return;
			case 'model.progress':
				if (this.loadProgress?.modelId === event.data.modelId) this.loadProgress = { ...this.loadProgress, fraction: event.data.fraction };
				return;
			case 'model.loaded':
				if (this.loadingModel === event.data.modelId) this.loadingModel = null;
				if (this.loadProgress?.modelId === event.data.modelId) this.loadProgress = null;
				if (this.mode !== 'compare') this.modelId = event.data.modelId;
				return;
			case 'tokens':
				this.streams[event.data.modelId] = (this.streams[event.data.modelId] ?? '') + event.data.text;
				return;
			case 'tool.call':
				this.toolCalls = withToolCall(this.toolCalls, toolCallMark(event.data, this.#attempt));
				return;
			case 'validation.result':
				this.validation = event.data;
				return;
			case 'retry':
				this.retries.push(event.data);
				this.streams = {};
				this.retrying = true;
				this.modelId = event.data.modelId;
				return;
			case 'compare.answer':
				this.compareAnswers = [...this.compareAnswers.filter((a) => a.modelId !== event.data.modelId), event.data];
				return;
			case 'run.answer':
				this.answer = event.data;
				this.modelId = event.data.modelId;
				this.metrics = event.data.metrics;
				return;
			case 'run.summary':
				this.summary = event.data;
				return;
			case 'run.finished':
				this.status = event.data.status;
				this.finishedAt = event.ts;
				this.interruption = null;
				if (event.data.metrics) this.metrics = event.data.metrics;
				if (event.data.modelId) this.modelId = event.data.modelId;
				this.#settleNodes('done', null);
				return;
			case 'run.failed':
				this.status = 'failed';
				this.finishedAt = event.ts;
				this.failure = event.data;
				this.interruption = null;
				this.#settleNodes('failed', event.data.error);
				return;
			case 'run.cancelled':
				this.status = 'cancelled';
				this.finishedAt = event.ts;
				this.cancellation = event.data;
				this.interruption = null;
				this.#settleNodes('failed', 'cancelled');
				return;
		}
	}
}
