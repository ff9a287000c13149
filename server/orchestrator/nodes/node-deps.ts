// What the graph's node adapters may call. The graph (server/orchestrator/graph.ts) builds it from the model
// service and the runs repository; the node files themselves import no service, only these shapes.
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import type { RunOutput } from '../../../src/lib/contract/run-output';
import type { Sampling } from '../../../src/lib/contract/runs';
import type { RunContext } from '../run-context';
import type { AnswerRecord, RunStateType, RunStateUpdate } from '../state';
import type { ChatMessage, HistoryRun, ResourceInput, RouteCandidate } from './types';

export interface NodeDeps {
	/** A small model that classifies prompts (JSON grammar) on top of the heuristics; none: heuristics only. */
	classifierModelId?: string;
	/** A model that titles and summarises runs when it is already loaded; otherwise the extractive summary. */
	summaryModelId?: string;
	/** A short structured answer from a helper model, or undefined when it is not usable now. */
	askModelForJson(
		modelId: string,
		messages: ChatMessage[],
		jsonSchema: Record<string, unknown>,
		options: { signal?: AbortSignal; maxTokens?: number; temperature?: number; onlyIfLoaded?: boolean }
	): Promise<unknown>;
	/** Streams one answer as the run's tokens; a model that cannot be used rejects with ModelUnavailable. */
	executeOnModel(input: {
		ctx: RunContext;
		modelId: string;
		messages: ChatMessage[];
		sampling: Sampling;
		output?: RunOutput;
		/** A streamed API answer: once text went out, a lost worker fails the attempt rather than start it again. */
		noRestartAfterText?: boolean;
	}): Promise<AnswerRecord>;
	/** The error of a model that cannot run now (load failure, full queue), as opposed to a bug or a cancel. */
	unavailable(err: unknown): { code: string; message: string } | undefined;
	/** The room's latest succeeded runs, newest first, with their answers and summaries. */
	recentRuns(roomId: string, limit: number): Promise<(HistoryRun & { id: string; summary: string | null })[]>;
	/** Memory, models and load as the resource monitor sees them now (a cluster reads its workers' heartbeats). */
	resources(): ResourceInput | Promise<ResourceInput>;
	/** In a cluster: which worker would serve the model and why, for the router's reasons. */
	placement?(modelId: string): Promise<string | undefined>;
	/** The models the router may choose from, with their memory estimates. */
	candidates(): Promise<RouteCandidate[]>;
}

/** A node as LangGraph calls it: the state, and the config that carries the run's context. */
export type GraphNode = (s: RunStateType, config: LangGraphRunnableConfig) => Promise<RunStateUpdate>;
