// Run events: what every viewer of a room sees, in order. Shared by server/ and the browser (zod + types only).
import { z } from 'zod';
import { runOutputSchema, type TokenLogprob, type ToolCall } from './run-output';

export const NODE_NAMES = [
	'taskAnalyzer',
	'historyReader',
	'resourceMonitor',
	'modelRouter',
	'executor',
	'outputValidator',
	'summarizer'
] as const;
export type NodeName = (typeof NODE_NAMES)[number];

/** Each node's step in the graph: the first three run side by side, then one after another. */
export const NODE_STEP: Record<NodeName, number> = {
	taskAnalyzer: 0,
	historyReader: 0,
	resourceMonitor: 0,
	modelRouter: 1,
	executor: 2,
	outputValidator: 3,
	summarizer: 4
};

/** The nodes a fork from `node` takes from its parent: every other node at its step or before (they do not run again). */
export function inheritedNodes(node: NodeName): NodeName[] {
	return NODE_NAMES.filter((n) => n !== node && NODE_STEP[n] <= NODE_STEP[node]);
}

export const RUN_MODES = ['orchestrated', 'direct', 'compare'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** Every status a run can have; `failed_validation`: an answer exists but failed the checks on every attempt. */
export const RUN_STATUSES = ['queued', 'running', 'waiting_approval', 'succeeded', 'failed_validation', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed_validation', 'failed', 'cancelled'];
/** Statuses of runs that still hold a place in their room (counted by the run limits). */
export const UNFINISHED_STATUSES = ['queued', 'running', 'waiting_approval'] as const satisfies readonly RunStatus[];
/** Terminal statuses that come with an answer. */
export type AnsweredStatus = 'succeeded' | 'failed_validation';

export const samplingSchema = z.strictObject({
	temperature: z.number().min(0).max(2).optional(),
	topP: z.number().gt(0).max(1).optional(),
	maxTokens: z.number().int().min(1).max(8192).optional(),
	seed: z
		.number()
		.int()
		.min(0)
		.max(2 ** 31 - 1)
		.optional(),
	stop: z.array(z.string().min(1).max(64)).max(4).optional()
});
export type Sampling = z.infer<typeof samplingSchema>;

/**
 * An API caller's contract, as OpenAI keeps it: `sampling.maxTokens` is never raised by a retry (a cut-off answer
 * comes back as is, finish "length"), and when `streamed`, no second attempt follows the first one's tokens.
 */
export const apiLimitsSchema = z.strictObject({ streamed: z.boolean() });
export type ApiLimits = z.infer<typeof apiLimitsSchema>;

/** A model id as the catalogue names models (`auto` included, for /v1's routed runs). */
export const modelIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'not a model id');

/** The longest prompt a run takes, after trimming (the /v1 routes check it too, naming their own field). */
export const PROMPT_MAX_CHARS = 32_000;

/** What a client may ask for when starting a run. */
export const runRequestSchema = z
	.strictObject({
		prompt: z.string().trim().min(1, 'The prompt is empty').max(PROMPT_MAX_CHARS, 'The prompt is longer than 32,000 characters'),
		mode: z.enum(RUN_MODES).default('orchestrated'),
		/** direct: the model to run; orchestrated: a pinned choice the router honours when usable. */
		modelId: modelIdSchema.optional(),
		/** compare: 2–4 models answering side by side. */
		compareModelIds: z.array(modelIdSchema).min(2).max(4).optional(),
		sampling: samplingSchema.default({}),
		approvalGate: z.boolean().default(false),
		/** JSON answers, tools, logprobs, raw completion (the OpenAI API's extras). */
		output: runOutputSchema.optional(),
		/** Set for OpenAI API callers: their max_tokens is a hard cap, and a streamed answer is never retried once tokens went out. */
		apiLimits: apiLimitsSchema.optional()
	})
	.superRefine((r, ctx) => {
		if (r.mode === 'direct' && !r.modelId) ctx.addIssue({ code: 'custom', path: ['modelId'], message: 'direct mode needs a model' });
		if (r.mode === 'compare' && !r.compareModelIds)
			ctx.addIssue({ code: 'custom', path: ['compareModelIds'], message: 'compare mode needs 2–4 models' });
	});
export type RunRequest = z.output<typeof runRequestSchema>;

/** An approval answer: go ahead, stop, or go ahead with another model / parameters. */
export const approvalDecisionSchema = z.discriminatedUnion('action', [
	z.strictObject({ action: z.literal('approve') }),
	z.strictObject({ action: z.literal('reject'), reason: z.string().max(500).optional() }),
	z.strictObject({ action: z.literal('override'), modelId: modelIdSchema.optional(), sampling: samplingSchema.optional() })
]);
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** Fork a past run from one of its nodes, optionally editing what that node will see. */
export const forkRequestSchema = z.strictObject({
	node: z.enum(NODE_NAMES),
	prompt: z.string().trim().min(1).max(32_000).optional(),
	modelId: modelIdSchema.optional(),
	sampling: samplingSchema.optional()
});
export type ForkRequest = z.infer<typeof forkRequestSchema>;

export interface RunMetrics {
	queueWaitMs: number;
	loadWaitMs: number;
	timeToFirstTokenMs: number | null;
	tokensPerSecond: number;
	promptTokens: number;
	completionTokens: number;
	totalMs: number;
}

/** Event types and their data. Every event carries runId, seq (1, 2, 3… per run, no gaps) and ts (epoch ms). */
export interface RunEventData {
	/** `forkedFromNode`: a fork starts at that node; the nodes before it keep what the parent run computed. */
	'run.queued': {
		roomId: string;
		mode: RunMode;
		prompt: string;
		authorId: string;
		parentRunId: string | null;
		forkedFromNode?: NodeName | null;
	};
	/** `recovered`: the server restarted while the run was going; it continues from its last checkpoint (a node that was running starts over). */
	'run.started': { attempt?: number; recovered?: boolean };
	'node.started': { node: NodeName };
	'node.finished': { node: NodeName; ms: number; output: Record<string, unknown> };
	'node.skipped': { node: NodeName; reason: string };
	'node.failed': { node: NodeName; ms: number; error: string };
	'routing.decided': { modelId: string; reasons: string[]; fallbacks: { modelId: string; score: number }[]; task: string | null };
	/** `sizeBytes`: the model file's size, when known; `workerId`: the worker loading it, in a cluster. */
	'model.loading': { modelId: string; sizeBytes?: number | null; workerId?: string };
	/** How far node-llama-cpp got loading the model (0–1); at most every ~100 ms. */
	'model.progress': { modelId: string; fraction: number };
	'model.loaded': { modelId: string; cacheHit: boolean; loadWaitMs: number; queueWaitMs: number; workerId?: string };
	/** producedAt: when the newest text left the model (epoch ms), only with SWITCHYARD_TRACE_TOKENS=1 (benchmarks). */
	tokens: { modelId: string; text: string; count: number; producedAt?: number };
	'validation.result': { modelId: string; ok: boolean; score: number; findings: { code: string; severity: string; message: string }[] };
	retry: { attempt: number; reason: string; modelId: string; temperature?: number };
	'run.interrupted': { kind: 'approval'; modelId: string; reasons: string[]; fallbacks: { modelId: string; score: number }[] };
	'run.resumed': { by: string; decision: ApprovalDecision };
	'run.answer': {
		modelId: string;
		text: string;
		finishReason: string;
		metrics: RunMetrics;
		toolCalls?: ToolCall[];
		logprobs?: TokenLogprob[];
	};
	/** The model called a tool (one event per call; the caller runs the tool and continues the conversation). */
	'tool.call': { modelId: string; id: string; name: string; arguments: string };
	'compare.answer': { modelId: string; text: string; finishReason: string; metrics: RunMetrics; score: number };
	'run.summary': { title: string; summary: string };
	'run.finished': { status: AnsweredStatus; modelId: string | null; metrics: RunMetrics | null };
	'run.failed': { error: string; code: string };
	'run.cancelled': { by: string | null; reason: string };
}
export type RunEventType = keyof RunEventData;

export type RunEvent = {
	[K in RunEventType]: { runId: string; seq: number; ts: number; type: K; data: RunEventData[K] };
}[RunEventType];

export interface RunSummary {
	id: string;
	roomId: string;
	authorId: string;
	mode: RunMode;
	prompt: string;
	status: RunStatus;
	modelId: string | null;
	task: string | null;
	title: string | null;
	summary: string | null;
	parentRunId: string | null;
	forkedFromNode: string | null;
	createdAt: number;
	startedAt: number | null;
	finishedAt: number | null;
	metrics: RunMetrics | null;
	error: string | null;
	lastSeq: number;
}
