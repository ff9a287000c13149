import os from 'node:os';
import { END, START, StateGraph, interrupt, type BaseCheckpointSaver } from '@langchain/langgraph';
import type { ApprovalDecision } from '../../src/lib/contract/runs';
import type { ChatMessage, FinishReason } from '../models/executor';
import type { ModelService } from '../models/service';
import { executeOnModel, isModelUnavailable } from './executor-node';
import { askModelForJson } from './model-helpers';
import { readHistory } from './nodes/history-reader';
import { RoutingError, routeModel } from './nodes/model-router';
import { nextAttempt, validateOutput } from './nodes/output-validator';
import { snapshotResources } from './nodes/resource-monitor';
import { parseSummaryResponse, runSummaryJsonSchema, summarizeRun, summaryPrompt } from './nodes/summarizer';
import { analyzeTask, classifierJsonSchema, classifierPrompt, mergeClassifierResult } from './nodes/task-analyzer';
import type { RouteCandidate } from './nodes/types';
import type { RunContexts } from './run-context';
import type { RunsRepository } from './runs.repository';
import { RunState, type CompareRecord, type RunStateType, type RunStateUpdate } from './state';

export const MAX_ATTEMPTS = 3;
const HISTORY_TOKEN_BUDGET = 1024;
// Rough but dependable: history is trimmed again with the real tokenizer by the executor.
const approxTokens = (text: string) => Math.ceil(text.length / 4);

export interface GraphDeps {
	models: ModelService;
	runs: RunsRepository;
	contexts: RunContexts;
	/** Rooms using each model right now (from the runner), for the router's swap penalty. */
	roomsByModel(): Record<string, string[]>;
	activeRuns(): number;
	/** A small model that classifies prompts (JSON grammar) on top of the heuristics; none: heuristics only. */
	classifierModelId?: string;
	/** A model that titles and summarises runs when it is already loaded; otherwise the extractive summary. */
	summaryModelId?: string;
}

/** The seven-node graph. Node bodies gather data and call the pure decision functions in ./nodes. */
export function buildRunGraph(deps: GraphDeps, checkpointer: BaseCheckpointSaver) {
	const taskAnalyzer = async (s: RunStateType): Promise<RunStateUpdate> => {
		if (s.mode === 'direct') return { analysis: null, skipped: [{ node: 'taskAnalyzer', reason: 'direct mode: the model was chosen by hand' }] };
		const heuristic = analyzeTask(s.prompt);
		if (!deps.classifierModelId) return { analysis: heuristic };
		const signal = deps.contexts.get(s.runId).signal;
		const answer = await askModelForJson(deps.models, deps.classifierModelId, classifierPrompt(s.prompt), classifierJsonSchema, { signal });
		return { analysis: answer === undefined ? heuristic : mergeClassifierResult(heuristic, answer) };
	};

	const historyReader = async (s: RunStateType): Promise<RunStateUpdate> => {
		if (s.conversation) {
			const used = s.conversation.reduce((n, m) => n + approxTokens(m.content), 0);
			return { history: { messages: s.conversation, usedTokens: used, includedRuns: 0, truncatedRuns: 0, summaryIncluded: false } };
		}
		const recent = await deps.runs.list(s.roomId, { status: 'succeeded', limit: 12 });
		const withAnswers = await Promise.all(
			recent.filter((r) => r.id !== s.runId).map(async (r) => ({ prompt: r.prompt, answer: (await deps.runs.get(r.id))?.answer ?? '', title: r.title ?? undefined, createdAt: r.createdAt }))
		);
		const older = recent.slice(6).map((r) => r.summary).filter(Boolean);
		return {
			history: readHistory({
				rollingSummary: older.length > 0 ? older.reverse().join(' ') : undefined,
				recentRuns: withAnswers.slice(0, 6),
				tokenBudget: HISTORY_TOKEN_BUDGET,
				countTokens: approxTokens,
				messageOverheadTokens: 8
			})
		};
	};

	const resourceMonitor = async (): Promise<RunStateUpdate> => {
		const { manager } = deps.models;
		return {
			resources: snapshotResources({
				models: manager.status(),
				budget: manager.getBudget(),
				used: manager.used(),
				system: { freeRamBytes: os.freemem(), totalRamBytes: os.totalmem() },
				gpu: { available: manager.getBudget().vramBytes > 0 },
				queueDepth: manager.status().reduce((n, m) => n + m.queued, 0),
				activeRuns: deps.activeRuns(),
				leasesByRoom: deps.roomsByModel()
			})
		};
	};

	const modelRouter = async (s: RunStateType): Promise<RunStateUpdate> => {
		if (s.mode === 'compare') return { skipped: [{ node: 'modelRouter', reason: 'compare mode: models chosen by hand' }] };
		let update: RunStateUpdate;
		if (s.mode === 'direct') {
			update = { modelId: s.request.modelId!, routing: null };
		} else {
			let routing;
			try {
				routing = routeModel({
					analysis: s.analysis!,
					candidates: await candidates(deps.models),
					resources: s.resources!,
					roomId: s.roomId,
					pinnedModelId: s.request.modelId,
					pinnedBy: 'room'
				});
			} catch (err) {
				if (!(err instanceof RoutingError)) throw err;
				return { routing: null, modelId: null, error: { code: 'no_model', message: err.message } };
			}
			update = { routing, modelId: routing.modelId };
		}
		if (!s.request.approvalGate) return update;
		// Everything above is recomputed when the run resumes (LangGraph re-runs an interrupted node): it is pure.
		const decision = interrupt({
			kind: 'approval',
			modelId: update.modelId,
			reasons: update.routing?.reasons ?? ['chosen by hand (direct mode)'],
			fallbacks: update.routing?.fallbacks ?? []
		}) as ApprovalDecision;
		if (decision.action === 'reject') return { ...update, decision, rejected: true };
		if (decision.action === 'override') {
			return { ...update, decision, modelId: decision.modelId ?? update.modelId, sampling: { ...s.sampling, ...decision.sampling } };
		}
		return { ...update, decision };
	};

	const executor = async (s: RunStateType): Promise<RunStateUpdate> => {
		const ctx = deps.contexts.get(s.runId);
		const messages: ChatMessage[] = [...(s.history?.messages ?? []), { role: 'user', content: s.prompt }];
		if (s.mode === 'compare') {
			const ids = s.request.compareModelIds!;
			const settled = await Promise.allSettled(ids.map((modelId) => executeOnModel({ ctx, models: deps.models, modelId, messages, sampling: s.sampling })));
			const compare: CompareRecord[] = settled.flatMap((r, i) =>
				r.status === 'fulfilled' ? [{ ...r.value, score: 0, ok: false }] : [{ modelId: ids[i], text: '', finishReason: 'error', metrics: emptyMetrics(), score: 0, ok: false }]
			);
			return { compare, tried: ids };
		}
		const modelId = s.modelId!;
		try {
			const answer = await executeOnModel({ ctx, models: deps.models, modelId, messages, sampling: s.sampling });
			return { answer, tried: [modelId], error: null };
		} catch (err) {
			if (!isModelUnavailable(err)) throw err;
			return { answer: null, tried: [modelId], error: { code: err.code, message: err.message } };
		}
	};

	const outputValidator = async (s: RunStateType): Promise<RunStateUpdate> => {
		const ctx = deps.contexts.get(s.runId);
		const task = s.analysis?.task ?? 'chat';
		if (s.mode === 'compare') {
			const compare = s.compare.map((c) => {
				const v = validateOutput({ text: c.text, finishReason: c.finishReason as FinishReason, task, codeLanguage: s.analysis?.codeLanguage });
				ctx.emit('compare.answer', { modelId: c.modelId, text: c.text, finishReason: c.finishReason, metrics: c.metrics, score: v.score });
				return { ...c, score: v.score, ok: v.ok };
			});
			const best = [...compare].sort((a, b) => b.score - a.score)[0];
			return { compare, answer: best ?? null, outcome: 'accept' };
		}
		if (!s.answer) {
			const next = s.routing?.fallbacks.find((f) => !s.tried.includes(f.modelId));
			if (next && s.attempt < MAX_ATTEMPTS) {
				ctx.emit('retry', { attempt: s.attempt + 1, reason: s.error?.message ?? 'model unavailable', modelId: next.modelId });
				return { outcome: 'next-model', modelId: next.modelId, attempt: s.attempt + 1 };
			}
			return { outcome: 'give-up' };
		}
		const validation = validateOutput({ text: s.answer.text, finishReason: s.answer.finishReason as FinishReason, task, codeLanguage: s.analysis?.codeLanguage });
		ctx.emit('validation.result', { modelId: s.answer.modelId, ok: validation.ok, score: validation.score, findings: validation.findings });
		const fallbacksLeft = s.routing?.fallbacks.filter((f) => !s.tried.includes(f.modelId)).length ?? 0;
		const next =
			s.answer.finishReason === 'cancelled'
				? ({ action: 'accept', reason: 'cancelled' } as const)
				: nextAttempt(validation, s.attempt, MAX_ATTEMPTS, { temperature: s.sampling.temperature, fallbacksLeft });
		if (next.action === 'retry') {
			const temperature = next.temperature ?? s.sampling.temperature;
			const maxTokens = next.maxTokensFactor ? Math.min(8192, Math.round((s.sampling.maxTokens ?? 512) * next.maxTokensFactor)) : s.sampling.maxTokens;
			ctx.emit('retry', { attempt: s.attempt + 1, reason: next.reason, modelId: s.answer.modelId, temperature });
			return { validation, outcome: 'retry', attempt: s.attempt + 1, sampling: { ...s.sampling, temperature, maxTokens } };
		}
		if (next.action === 'next-model') {
			const fallback = s.routing?.fallbacks.find((f) => !s.tried.includes(f.modelId));
			if (fallback) {
				ctx.emit('retry', { attempt: s.attempt + 1, reason: next.reason, modelId: fallback.modelId });
				return { validation, outcome: 'next-model', attempt: s.attempt + 1, modelId: fallback.modelId };
			}
		}
		ctx.emit('run.answer', { modelId: s.answer.modelId, text: s.answer.text, finishReason: s.answer.finishReason, metrics: s.answer.metrics });
		return { validation, outcome: next.action === 'accept' ? 'accept' : 'give-up' };
	};

	const summarizer = async (s: RunStateType): Promise<RunStateUpdate> => {
		if (!s.answer?.text) return { skipped: [{ node: 'summarizer', reason: 'no answer to summarise' }] };
		const extractive = summarizeRun({ prompt: s.prompt, answer: s.answer.text });
		if (!deps.summaryModelId) return { summary: extractive };
		const run = { prompt: s.prompt, answer: s.answer.text };
		const answer = await askModelForJson(deps.models, deps.summaryModelId, summaryPrompt(run), runSummaryJsonSchema, { onlyIfLoaded: true, maxTokens: 200, temperature: 0.7 });
		return { summary: answer === undefined ? extractive : parseSummaryResponse(JSON.stringify(answer), extractive) };
	};

	// Every node's work is tracked by its run's context, so a cancelled run ends only after its nodes stopped.
	const tracked =
		(node: (s: RunStateType) => Promise<RunStateUpdate>) =>
		(s: RunStateType): Promise<RunStateUpdate> => {
			const work = node(s);
			return deps.contexts.find(s.runId)?.track(work) ?? work;
		};

	return new StateGraph(RunState)
		.addNode('taskAnalyzer', tracked(taskAnalyzer))
		.addNode('historyReader', tracked(historyReader))
		.addNode('resourceMonitor', tracked(resourceMonitor))
		.addNode('modelRouter', tracked(modelRouter))
		.addNode('executor', tracked(executor))
		.addNode('outputValidator', tracked(outputValidator))
		.addNode('summarizer', tracked(summarizer))
		.addEdge(START, 'taskAnalyzer')
		.addEdge(START, 'historyReader')
		.addEdge(START, 'resourceMonitor')
		.addEdge(['taskAnalyzer', 'historyReader', 'resourceMonitor'], 'modelRouter')
		.addConditionalEdges('modelRouter', (s) => (s.rejected || (s.mode !== 'compare' && !s.modelId) ? END : 'executor'), ['executor', END])
		.addEdge('executor', 'outputValidator')
		.addConditionalEdges('outputValidator', (s) => (s.outcome === 'retry' || s.outcome === 'next-model' ? 'executor' : 'summarizer'), ['executor', 'summarizer'])
		.addEdge('summarizer', END)
		.compile({ checkpointer });
}

export type RunGraph = ReturnType<typeof buildRunGraph>;

async function candidates(models: ModelService): Promise<RouteCandidate[]> {
	const present = models.list().filter((m) => m.present);
	return Promise.all(
		present.map(async (m) => {
			const needs = await models.estimate(m.id)?.catch(() => undefined);
			return {
				id: m.id,
				displayName: m.displayName,
				capabilities: m.capabilities as RouteCandidate['capabilities'],
				quality: m.quality,
				estimatedRamBytes: needs?.ramBytes ?? Number.MAX_SAFE_INTEGER,
				estimatedVramBytes: needs?.vramBytes ?? 0,
				present: needs !== undefined
			};
		})
	);
}

function emptyMetrics() {
	return { queueWaitMs: 0, loadWaitMs: 0, timeToFirstTokenMs: null, tokensPerSecond: 0, promptTokens: 0, completionTokens: 0, totalMs: 0 };
}
