import type { NodeName } from '../../src/lib/contract/runs';
import type { RunStateUpdate } from './state';

/** What a node's `node.finished` event shows: a few fields for the live graph, never whole answers or histories. */
export function compactOutput(node: NodeName, r: RunStateUpdate): Record<string, unknown> {
	switch (node) {
		case 'taskAnalyzer':
			return r.analysis
				? {
						task: r.analysis.task,
						confidence: round(r.analysis.confidence),
						features: r.analysis.features.slice(0, 5),
						codeLanguage: r.analysis.codeLanguage ?? null,
						needsTools: r.analysis.needsTools ?? false
					}
				: {};
		case 'historyReader':
			return r.history
				? { includedRuns: r.history.includedRuns, usedTokens: r.history.usedTokens, summaryIncluded: r.history.summaryIncluded }
				: {};
		case 'resourceMonitor':
			return r.resources
				? {
						loadedModels: r.resources.loadedModelIds,
						freeBudgetBytes: r.resources.freeBudgetBytes,
						activeRuns: r.resources.activeRuns,
						warnings: r.resources.warnings
					}
				: {};
		case 'modelRouter':
			return { modelId: r.modelId ?? null, reasons: r.routing?.reasons.slice(0, 4) ?? [], decision: r.decision?.action ?? null };
		case 'executor':
			if (r.compare?.length)
				return { models: r.compare.map((c) => ({ modelId: c.modelId, finishReason: c.finishReason, tokens: c.metrics.completionTokens })) };
			if (r.answer)
				return {
					modelId: r.answer.modelId,
					finishReason: r.answer.finishReason,
					tokens: r.answer.metrics.completionTokens,
					tokensPerSecond: round(r.answer.metrics.tokensPerSecond)
				};
			return { error: r.error?.message ?? null };
		case 'outputValidator':
			return {
				outcome: r.outcome ?? null,
				score: r.validation ? round(r.validation.score) : null,
				findings: r.validation?.findings.map((f) => f.code) ?? []
			};
		case 'summarizer':
			return { title: r.summary?.title ?? null };
	}
}

const round = (x: number) => Math.round(x * 100) / 100;
