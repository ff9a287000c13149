import { describe, expect, it } from 'vitest';
import { SUMMARY_HEADER, TRUNCATION_MARKER, historyInputFrom, readHistory, truncateToTokens } from './history-reader';
import type { HistoryRun } from './types';

// One token per word: easy to reason about in assertions.
const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;
const words = (n: number, word = 'word') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
const run = (n: number, overrides: Partial<HistoryRun> = {}): HistoryRun => ({
	prompt: `question ${n}`,
	answer: `answer ${n}`,
	createdAt: 1_000 + n,
	...overrides
});

describe('readHistory', () => {
	it('returns nothing for an empty room', () => {
		expect(readHistory({ recentRuns: [], tokenBudget: 100, countTokens })).toEqual({
			messages: [],
			usedTokens: 0,
			includedRuns: 0,
			truncatedRuns: 0,
			summaryIncluded: false
		});
	});

	it('emits runs oldest to newest as user/assistant pairs, the summary first, whatever the input order', () => {
		const runs = [run(2, { createdAt: new Date(1_002) }), run(1, { createdAt: new Date(1_001).toISOString() }), run(3)];
		const result = readHistory({ rollingSummary: 'earlier stuff', recentRuns: runs, tokenBudget: 1_000, countTokens });
		expect(result.messages.map((m) => `${m.role}:${m.content}`)).toEqual([
			`system:${SUMMARY_HEADER}earlier stuff`,
			'user:question 1',
			'assistant:answer 1',
			'user:question 2',
			'assistant:answer 2',
			'user:question 3',
			'assistant:answer 3'
		]);
		expect(result).toMatchObject({ includedRuns: 3, summaryIncluded: true, truncatedRuns: 0 });
		expect(result.usedTokens).toBe(result.messages.reduce((s, m) => s + countTokens(m.content), 0));
	});

	it('keeps the newest runs when the budget is short, without gaps', () => {
		const runs = [1, 2, 3, 4].map((n) => run(n)); // 4 tokens per run
		const result = readHistory({ recentRuns: runs, tokenBudget: 9, countTokens });
		expect(result.includedRuns).toBe(2);
		expect(result.messages.map((m) => m.content)).toEqual(['question 3', 'answer 3', 'question 4', 'answer 4']);
		expect(result.usedTokens).toBe(8);
	});

	it('includes the summary after the newest run, before older runs', () => {
		const summary = words(3);
		const summaryTokens = countTokens(SUMMARY_HEADER + summary);
		const result = readHistory({ rollingSummary: summary, recentRuns: [run(1), run(2)], tokenBudget: 4 + summaryTokens, countTokens });
		expect(result.summaryIncluded).toBe(true);
		expect(result.includedRuns).toBe(1);
		expect(result.messages[1].content).toBe('question 2');
	});

	it('leaves out a summary that does not fit but keeps the runs', () => {
		const result = readHistory({ rollingSummary: words(50), recentRuns: [run(1), run(2)], tokenBudget: 20, countTokens });
		expect(result.summaryIncluded).toBe(false);
		expect(result.includedRuns).toBe(2);
		expect(result.messages.every((m) => m.role !== 'system')).toBe(true);
	});

	it('truncates an over-long newest answer instead of dropping everything', () => {
		const runs = [run(1), run(2, { answer: words(200) })];
		const result = readHistory({ recentRuns: runs, tokenBudget: 60, countTokens });
		expect(result.includedRuns).toBe(1);
		expect(result.truncatedRuns).toBe(1);
		const answer = result.messages.at(-1)!.content;
		expect(answer.endsWith(TRUNCATION_MARKER)).toBe(true);
		expect(answer.startsWith('word0 word1')).toBe(true);
		expect(result.usedTokens).toBeLessThanOrEqual(60);
		expect(result.usedTokens).toBeGreaterThan(50); // it used the room, not a token or two of it
		expect(result.messages.map((m) => m.content)).not.toContain('question 1'); // nothing older after a cut
	});

	it('cuts both halves when the prompt alone is too long', () => {
		const result = readHistory({
			recentRuns: [run(1, { prompt: words(300, 'p'), answer: words(300, 'a') })],
			tokenBudget: 100,
			countTokens
		});
		expect(result.includedRuns).toBe(1);
		const [user, assistant] = result.messages;
		expect(user.content.endsWith(TRUNCATION_MARKER) && assistant.content.endsWith(TRUNCATION_MARKER)).toBe(true);
		expect(countTokens(assistant.content)).toBeGreaterThanOrEqual(16);
		expect(result.usedTokens).toBeLessThanOrEqual(100);
	});

	it('gives a long prompt the room a short answer leaves', () => {
		const result = readHistory({ recentRuns: [run(1, { prompt: words(300, 'p'), answer: 'yes it is' })], tokenBudget: 100, countTokens });
		expect(result.messages[1].content).toBe('yes it is');
		expect(result.usedTokens).toBeGreaterThan(90);
		expect(result.usedTokens).toBeLessThanOrEqual(100);
	});

	it('gives up on a run when the room left is too small to be useful', () => {
		const result = readHistory({ recentRuns: [run(1, { answer: words(100) })], tokenBudget: 10, countTokens });
		expect(result.includedRuns).toBe(0);
		expect(result.messages).toEqual([]);
	});

	it('never exceeds the budget, counting per-message overhead', () => {
		const runs = Array.from({ length: 8 }, (_, i) => run(i, { answer: words(5 + i * 7) }));
		for (let budget = 0; budget <= 200; budget += 7) {
			const result = readHistory({
				rollingSummary: words(10),
				recentRuns: runs,
				tokenBudget: budget,
				countTokens,
				messageOverheadTokens: 8
			});
			expect(result.usedTokens, `budget ${budget}`).toBeLessThanOrEqual(budget);
			expect(result.usedTokens).toBe(result.messages.reduce((s, m) => s + countTokens(m.content) + 8, 0));
		}
	});

	it('skips runs without an answer (cancelled before any text)', () => {
		const result = readHistory({ recentRuns: [run(1), run(2, { answer: '  ' })], tokenBudget: 100, countTokens });
		expect(result.includedRuns).toBe(1);
		expect(result.messages.map((m) => m.content)).toEqual(['question 1', 'answer 1']);
	});

	it('orders equal timestamps by array position (later = newer)', () => {
		const result = readHistory({ recentRuns: [run(1, { createdAt: 5 }), run(2, { createdAt: 5 })], tokenBudget: 4, countTokens });
		expect(result.messages.map((m) => m.content)).toEqual(['question 2', 'answer 2']);
	});
});

describe('truncateToTokens', () => {
	const chars = (text: string) => text.length;

	it('returns text that fits unchanged', () => {
		expect(truncateToTokens('short', 10, chars)).toBe('short');
	});

	it('cuts at a word boundary and stays within the budget', () => {
		const out = truncateToTokens('alpha beta gamma delta epsilon zeta', 28, chars)!;
		expect(out).toBe(`alpha beta${TRUNCATION_MARKER}`);
		expect(out.length).toBeLessThanOrEqual(28);
	});

	it('returns undefined when not even the marker fits', () => {
		expect(truncateToTokens('alpha beta', 3, chars)).toBeUndefined();
	});
});

describe('historyInputFrom', () => {
	it('keeps the newest runs in full and folds the summaries of older ones, oldest first', () => {
		const runs = Array.from({ length: 9 }, (_, i) => ({ ...run(9 - i), summary: `summary ${9 - i}` }));
		const input = historyInputFrom(runs);
		expect(input.recentRuns.map((r) => r.prompt)).toEqual([
			'question 9',
			'question 8',
			'question 7',
			'question 6',
			'question 5',
			'question 4'
		]);
		expect(input.rollingSummary).toBe('summary 1 summary 2 summary 3');
		expect(historyInputFrom(runs.slice(0, 3)).rollingSummary).toBeUndefined();
	});
});
