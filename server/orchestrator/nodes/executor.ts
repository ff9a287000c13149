// Executor node: runs the chosen model (or, in compare mode, every chosen model side by side) on the prompt and the
// history, streaming tokens to the room. A model that cannot run is recorded for the validator to fall back from.
import type { RunMetrics } from '../../../src/lib/contract/runs';
import { runContextOf, type RunContext } from '../run-context';
import type { AnswerRecord, CompareRecord, RunStateType } from '../state';
import type { GraphNode, NodeDeps } from './node-deps';
import type { ChatMessage } from './types';

/** The conversation the model answers: the history the reader chose, then the prompt. */
export const executionMessages = (s: Pick<RunStateType, 'history' | 'prompt'>): ChatMessage[] => [
	...(s.history?.messages ?? []),
	{ role: 'user', content: s.prompt }
];

/** Compare mode: one record per model, in the order they were asked for; a model that failed has an empty answer. */
export function compareRecords(modelIds: string[], results: PromiseSettledResult<AnswerRecord>[]): CompareRecord[] {
	return results.map((r, i) =>
		r.status === 'fulfilled'
			? { ...r.value, score: 0, ok: false }
			: { modelId: modelIds[i], text: '', finishReason: 'error', metrics: emptyMetrics(), score: 0, ok: false }
	);
}

/** The run's context, noting whether the attempt has streamed any text (a failure after it cannot be taken back). */
export function watchText(ctx: RunContext): { ctx: RunContext; sentText(): boolean } {
	let sent = false;
	const watched: RunContext = {
		runId: ctx.runId,
		roomId: ctx.roomId,
		signal: ctx.signal,
		track: (work) => ctx.track(work),
		emit: (type, data) => {
			if (type === 'tokens') sent = true;
			ctx.emit(type, data);
		}
	};
	return { ctx: watched, sentText: () => sent };
}

export const executorNode =
	(deps: NodeDeps): GraphNode =>
	async (s, config) => {
		const ctx = runContextOf(config);
		const messages = executionMessages(s);
		const output = s.request.output;
		if (s.mode === 'compare') {
			const ids = s.request.compareModelIds!;
			const settled = await Promise.allSettled(
				ids.map((modelId) => deps.executeOnModel({ ctx, modelId, messages, sampling: s.sampling, output }))
			);
			return { compare: compareRecords(ids, settled), tried: ids };
		}
		const modelId = s.modelId!;
		const watch = watchText(ctx);
		const noRestartAfterText = s.request.apiLimits?.streamed === true;
		try {
			const answer = await deps.executeOnModel({ ctx: watch.ctx, modelId, messages, sampling: s.sampling, output, noRestartAfterText });
			return { answer, tried: [modelId], error: null };
		} catch (err) {
			const unavailable = deps.unavailable(err);
			if (!unavailable) throw err;
			return { answer: null, tried: [modelId], error: { ...unavailable, afterText: watch.sentText() } };
		}
	};

function emptyMetrics(): RunMetrics {
	return { queueWaitMs: 0, loadWaitMs: 0, timeToFirstTokenMs: null, tokensPerSecond: 0, promptTokens: 0, completionTokens: 0, totalMs: 0 };
}
