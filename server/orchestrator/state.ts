import { Annotation } from '@langchain/langgraph';
import type { ApprovalDecision, NodeName, RunMetrics, RunMode, RunRequest, Sampling } from '../../src/lib/contract/runs';
import type { ChatMessage } from '../models/executor';
import type { TokenLogprob, ToolCall } from '../../src/lib/contract/run-output';
import type { HistoryResult, ResourceSnapshot, RoutingDecision, RunDigest, TaskAnalysis, ValidationResult } from './nodes/types';

export interface AnswerRecord {
	modelId: string;
	text: string;
	finishReason: string;
	metrics: RunMetrics;
	toolCalls?: ToolCall[];
	logprobs?: TokenLogprob[];
}

export interface CompareRecord extends AnswerRecord {
	score: number;
	ok: boolean;
}

/** Concatenates lists written by nodes of the same step (several nodes may skip at once). */
const appendList = <T>() => Annotation<T[]>({ reducer: (a, b) => [...a, ...b], default: () => [] });

/** The graph's state: what each node reads and writes. Checkpointed after every step, so runs can be forked. */
export const RunState = Annotation.Root({
	runId: Annotation<string>(),
	roomId: Annotation<string>(),
	mode: Annotation<RunMode>(),
	prompt: Annotation<string>(),
	request: Annotation<RunRequest>(),
	/** Earlier turns given by the caller (OpenAI API); when set, the room's history is not read. */
	conversation: Annotation<ChatMessage[] | null>(),
	analysis: Annotation<TaskAnalysis | null>(),
	history: Annotation<HistoryResult | null>(),
	resources: Annotation<ResourceSnapshot | null>(),
	routing: Annotation<RoutingDecision | null>(),
	decision: Annotation<ApprovalDecision | null>(),
	rejected: Annotation<boolean>(),
	/** The model and sampling of the next execution (router choice, approval override, retry adjustments). */
	modelId: Annotation<string | null>(),
	sampling: Annotation<Sampling>(),
	attempt: Annotation<number>(),
	tried: appendList<string>(),
	answer: Annotation<AnswerRecord | null>(),
	compare: Annotation<CompareRecord[]>(),
	validation: Annotation<ValidationResult | null>(),
	/** The validator's verdict: go on to the summary, or run the executor again. */
	outcome: Annotation<'accept' | 'retry' | 'next-model' | 'give-up' | null>(),
	summary: Annotation<RunDigest | null>(),
	skipped: appendList<{ node: NodeName; reason: string }>(),
	/** Why the last attempt has no answer; `afterText`: it had already streamed some text. */
	error: Annotation<{ code: string; message: string; afterText?: boolean } | null>()
});

export type RunStateType = typeof RunState.State;
export type RunStateUpdate = typeof RunState.Update;

/** A new run's state before the first node. */
export function initialRunState(runId: string, roomId: string, request: RunRequest, conversation: ChatMessage[] | null): RunStateUpdate {
	return {
		runId,
		roomId,
		mode: request.mode,
		prompt: request.prompt,
		request,
		conversation,
		analysis: null,
		history: null,
		resources: null,
		routing: null,
		decision: null,
		rejected: false,
		modelId: request.modelId ?? null,
		sampling: request.sampling,
		attempt: 1,
		answer: null,
		compare: [],
		validation: null,
		outcome: null,
		summary: null,
		error: null
	};
}
