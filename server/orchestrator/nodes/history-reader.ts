// History reader node: turns a room's stored runs into chat messages that fit a token budget. The newest run matters
// most, then the rolling summary (it covers everything older in a few tokens), then older runs, newest first.
import type { ChatMessage, HistoryInput, HistoryResult, HistoryRun } from './types';
import type { GraphNode, NodeDeps } from './node-deps';

export const TRUNCATION_MARKER = ' … [truncated]';
export const SUMMARY_HEADER = 'Summary of the earlier conversation in this room:\n';
/** A truncated answer shorter than this is noise: the run is left out instead. */
const MIN_TRUNCATED_TOKENS = 16;

/** Epoch milliseconds; an unreadable date sorts as the oldest. */
function time(run: HistoryRun): number {
	const ms = new Date(run.createdAt).getTime();
	return Number.isNaN(ms) ? -Infinity : ms;
}

export function readHistory(input: HistoryInput): HistoryResult {
	const overhead = input.messageOverheadTokens ?? 0;
	const cost = (text: string) => input.countTokens(text) + overhead;
	let remaining = Math.floor(input.tokenBudget);

	// Newest first; runs without both halves are no use as conversation turns. Ties keep the given order.
	const runs = input.recentRuns
		.map((run, index) => ({ run, index, at: time(run) }))
		.filter(({ run }) => run.prompt.trim() && run.answer.trim())
		.sort((a, b) => (a.at === b.at ? b.index - a.index : b.at - a.at))
		.map(({ run }) => run);

	const pairs: ChatMessage[][] = []; // newest first
	let truncatedRuns = 0;
	let summaryIncluded = false;
	let summaryMessage: ChatMessage | undefined;
	const summaryText = input.rollingSummary?.trim();

	const tryRun = (run: HistoryRun): boolean => {
		const fitted = fitRun(run, remaining, cost, overhead);
		if (!fitted) return false;
		pairs.push(fitted.messages);
		remaining -= fitted.tokens;
		if (fitted.truncated) truncatedRuns++;
		return !fitted.truncated; // after a truncated run there is no room for anything older
	};

	let more = runs.length > 0 ? tryRun(runs[0]) : true;
	if (summaryText) {
		const content = SUMMARY_HEADER + summaryText;
		const tokens = cost(content);
		if (tokens <= remaining) {
			summaryMessage = { role: 'system', content };
			summaryIncluded = true;
			remaining -= tokens;
		}
	}
	// Stop at the first run that does not fit: a gap in the middle would make the conversation incoherent.
	for (let i = 1; more && i < runs.length; i++) more = tryRun(runs[i]);

	const messages = [...(summaryMessage ? [summaryMessage] : []), ...pairs.reverse().flat()];
	return {
		messages,
		usedTokens: messages.reduce((sum, m) => sum + cost(m.content), 0),
		includedRuns: pairs.length,
		truncatedRuns,
		summaryIncluded
	};
}

type Cost = (text: string) => number;

/** The run as a user/assistant pair within `budget` tokens: whole, with its answer cut, or with both halves cut. */
function fitRun(
	run: HistoryRun,
	budget: number,
	cost: Cost,
	overhead: number
): { messages: ChatMessage[]; tokens: number; truncated: boolean } | undefined {
	const pair = (prompt: string, answer: string): ChatMessage[] => [
		{ role: 'user', content: prompt },
		{ role: 'assistant', content: answer }
	];
	const promptCost = cost(run.prompt);
	const full = promptCost + cost(run.answer);
	if (full <= budget) return { messages: pair(run.prompt, run.answer), tokens: full, truncated: false };

	let prompt = run.prompt;
	let promptTokens = promptCost;
	if (promptCost + overhead + MIN_TRUNCATED_TOKENS > budget) {
		// The prompt alone is too long: it gets half of the room, or all the answer leaves if that is more.
		const promptRoom = Math.max(Math.floor(budget / 2), budget - cost(run.answer));
		if (promptRoom - overhead < MIN_TRUNCATED_TOKENS) return undefined;
		const cut = truncateToTokens(run.prompt, promptRoom, cost);
		if (cut === undefined) return undefined;
		prompt = cut;
		promptTokens = cost(prompt);
	}
	const answer = truncateToTokens(run.answer, budget - promptTokens, cost);
	// Keep a cut answer only if a useful amount of it is left.
	if (answer === undefined || cost(answer) - overhead < Math.min(MIN_TRUNCATED_TOKENS, cost(run.answer) - overhead)) return undefined;
	return { messages: pair(prompt, answer), tokens: promptTokens + cost(answer), truncated: true };
}

/**
 * The longest prefix of `text` (cut at a word boundary when there is one nearby) that, with the truncation marker,
 * costs at most `budget`. Binary search over characters: token counts only grow as text grows.
 */
export function truncateToTokens(text: string, budget: number, cost: Cost): string | undefined {
	if (cost(text) <= budget) return text;
	let lo = 0;
	let hi = text.length;
	while (lo < hi) {
		const mid = Math.ceil((lo + hi) / 2);
		if (cost(text.slice(0, mid) + TRUNCATION_MARKER) <= budget) lo = mid;
		else hi = mid - 1;
	}
	if (lo === 0) return undefined;
	const prefix = text.slice(0, lo);
	const space = prefix.search(/\s\S*$/);
	const cutAt = space > lo / 2 ? space : lo; // a word boundary, unless that loses half of what fits (one huge "word")
	return prefix.slice(0, cutAt).trimEnd() + TRUNCATION_MARKER;
}

/** How much of the room's past a run sees: the newest runs in full, older ones through their summaries. */
export const HISTORY_TOKEN_BUDGET = 1024;
const RECENT_RUNS = 6;
const SUMMARISED_RUNS = 6;
/** How many of a room's latest runs the reader reads. */
export const HISTORY_RUNS = RECENT_RUNS + SUMMARISED_RUNS;
const MESSAGE_OVERHEAD_TOKENS = 8;
// Rough but dependable: history is trimmed again with the real tokenizer by the executor.
export const approxTokens = (text: string) => Math.ceil(text.length / 4);

/** The history reader's input from a room's latest runs (newest first): recent ones in full, older ones summarised. */
export function historyInputFrom(runs: (HistoryRun & { summary: string | null })[]): HistoryInput {
	const older = runs
		.slice(RECENT_RUNS)
		.map((r) => r.summary)
		.filter((s): s is string => Boolean(s));
	return {
		rollingSummary: older.length > 0 ? older.reverse().join(' ') : undefined,
		recentRuns: runs.slice(0, RECENT_RUNS),
		tokenBudget: HISTORY_TOKEN_BUDGET,
		countTokens: approxTokens,
		messageOverheadTokens: MESSAGE_OVERHEAD_TOKENS
	};
}

/** The node: the caller's conversation when given (API runs), otherwise the room's history. */
export const historyReaderNode =
	(deps: NodeDeps): GraphNode =>
	async (s) => {
		if (s.conversation) {
			const used = s.conversation.reduce((n, m) => n + approxTokens(m.content), 0);
			return { history: { messages: s.conversation, usedTokens: used, includedRuns: 0, truncatedRuns: 0, summaryIncluded: false } };
		}
		const runs = (await deps.recentRuns(s.roomId, HISTORY_RUNS)).filter((r) => r.id !== s.runId);
		return { history: readHistory(historyInputFrom(runs)) };
	};
