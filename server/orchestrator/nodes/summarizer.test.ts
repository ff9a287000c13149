import { describe, expect, it } from 'vitest';
import {
	TITLE_MAX_CHARS,
	parseSummaryResponse,
	runSummaryJsonSchema,
	splitSentences,
	stripMarkdown,
	summarizeRun,
	summaryPrompt,
	updateRollingSummary
} from './summarizer';

const answer = `## Eviction

The **ModelManager** evicts the least recently used idle model first. Models that are leased by a run or pinned are never evicted. If evicting every idle model still does not free enough memory, the load fails with \`budget_busy\`.

\`\`\`ts
manager.preview('x');
\`\`\`

You can call preview() to see what a load would evict. The budget can be changed at runtime with setBudget, which also evicts idle models. Keep-alive timers unload idle models after a while. See [the guide](https://example.com/guide) for details.`;

const prompt = 'Can you please explain how the ModelManager decides which model to evict when the budget is full?';

describe('stripMarkdown and splitSentences', () => {
	it('removes code, markup and links but keeps their text', () => {
		const plain = stripMarkdown(answer);
		expect(plain).not.toContain('```');
		expect(plain).not.toContain("manager.preview('x')");
		expect(plain).not.toContain('**');
		expect(plain).toContain('See the guide for details.');
		expect(plain).toContain('fails with budget_busy.');
		expect(stripMarkdown('keep snake_case_names and *this*')).toBe('keep snake_case_names and this');
	});

	it('splits on sentence ends and lines, not on abbreviations or decimals', () => {
		expect(splitSentences('It costs 3.5 GiB, e.g. for a 7B model. Then it loads.\n- a list item')).toEqual([
			'It costs 3.5 GiB, e.g. for a 7B model.',
			'Then it loads.',
			'- a list item'
		]);
	});
});

describe('summarizeRun', () => {
	it('titles the run from the prompt without the politeness, and summarises in 1–3 sentences', () => {
		const { title, summary } = summarizeRun({ prompt, answer });
		expect(title).toBe('Explain how the ModelManager decides which model to evict…');
		expect(title.length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
		const sentences = splitSentences(summary);
		expect(sentences.length).toBeGreaterThanOrEqual(1);
		expect(sentences.length).toBeLessThanOrEqual(3);
		expect(sentences[0]).toBe('The ModelManager evicts the least recently used idle model first.');
		expect(summary).not.toMatch(/[`*#]/);
	});

	it('is deterministic', () => {
		expect(summarizeRun({ prompt, answer })).toEqual(summarizeRun({ prompt, answer }));
	});

	it('keeps sentences in their original order and within the length limit', () => {
		const long = Array.from(
			{ length: 30 },
			(_, i) => `Sentence ${i} explains that eviction of idle models frees memory for loads number ${i}.`
		).join(' ');
		const { summary } = summarizeRun({ prompt: 'How does eviction free memory?', answer: long });
		const numbers = [...summary.matchAll(/Sentence (\d+)/g)].map((m) => Number(m[1]));
		expect(numbers.length).toBe(3);
		expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
		expect(summary.length).toBeLessThanOrEqual(320);
	});

	it('clips a very long sentence and a very long title', () => {
		const { title, summary } = summarizeRun({ prompt: 'word '.repeat(40), answer: `${'long '.repeat(200)}end.` });
		expect(title.length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
		expect(title.endsWith('…')).toBe(true);
		expect(summary.length).toBeLessThanOrEqual(320);
	});

	it('handles code-only and empty answers, and prompts that are only code', () => {
		expect(summarizeRun({ prompt: 'Write a debounce in TS', answer: '```ts\nexport const x = 1;\n```' }).summary).toBe(
			'Answered with 1 code block and no explanation.'
		);
		expect(summarizeRun({ prompt: 'Hello', answer: '' }).summary).toBe('No answer was produced.');
		expect(summarizeRun({ prompt: '```ts\nlet a = 1;\n```', answer: 'That declares a variable.' }).title).toBe('That declares a variable');
		expect(summarizeRun({ prompt: '', answer: '' }).title).toBe('Untitled run');
	});
});

describe('updateRollingSummary', () => {
	const run = (i: number) => ({ title: `Run ${i}`, summary: `Summary of run ${i}.` });

	it('appends runs as lines', () => {
		const once = updateRollingSummary(undefined, run(1), 500);
		expect(once).toBe('- Run 1: Summary of run 1.');
		expect(updateRollingSummary(once, run(2), 500)).toBe('- Run 1: Summary of run 1.\n- Run 2: Summary of run 2.');
	});

	it('drops the oldest lines to stay within maxChars and always keeps the newest', () => {
		let rolling: string | undefined;
		for (let i = 1; i <= 10; i++) {
			rolling = updateRollingSummary(rolling, run(i), 80);
			expect(rolling.length).toBeLessThanOrEqual(80);
			expect(rolling.endsWith(`Summary of run ${i}.`)).toBe(true);
		}
		expect(rolling).toBe('- Run 9: Summary of run 9.\n- Run 10: Summary of run 10.');
	});

	it('clips a single entry longer than maxChars and flattens newlines', () => {
		const out = updateRollingSummary('- old', { title: 'T', summary: `line one\nline two ${'x'.repeat(100)}` }, 40);
		expect(out.length).toBeLessThanOrEqual(40);
		expect(out).not.toContain('\n');
		expect(out.startsWith('- T: line one line two')).toBe(true);
		expect(updateRollingSummary('anything', run(1), 0)).toBe('');
	});
});

describe('model-written summaries', () => {
	it('builds a prompt with code blocks replaced and the answer clipped', () => {
		const messages = summaryPrompt({ prompt, answer });
		expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
		expect(messages[1].content).toContain('[ts block]');
		expect(messages[1].content).not.toContain("manager.preview('x')");
		expect(summaryPrompt({ prompt, answer }, 200)[1].content.length).toBeLessThan(prompt.length + 230);
		expect(runSummaryJsonSchema.required).toEqual(['title', 'summary']);
	});

	it('parses a model reply to the same limits, or falls back', () => {
		const fallback = { title: 'Fallback', summary: 'Fallback summary.' };
		const reply = `{"title": "${'T'.repeat(80)}", "summary": "One. Two. Three. Four."}`;
		const parsed = parseSummaryResponse(reply, fallback);
		expect(parsed.title.length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
		expect(parsed.summary).toBe('One. Two. Three.');
		expect(parseSummaryResponse('not json', fallback)).toBe(fallback);
		expect(parseSummaryResponse('{"title": ""}', fallback)).toBe(fallback);
	});
});
