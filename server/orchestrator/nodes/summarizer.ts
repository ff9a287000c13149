// Summarizer node: a title and a short summary for each run, extractively (no model, deterministic), a rolling room
// summary that keeps the newest runs within a size, and the prompt for when a cheap loaded model does it instead.
import { z } from 'zod';
import type { ChatMessage, RunDigest } from './types';
import type { GraphNode, NodeDeps } from './node-deps';

export const TITLE_MAX_CHARS = 60;
const SUMMARY_MAX_CHARS = 320;
const SENTENCE_MAX_CHARS = 220;
const PROMPT_ANSWER_MAX_CHARS = 4000;

const stopwords = new Set(
	'the a an and or but if then else of to in on at by for with from as is are was were be been being it its this that these those there here i you he she we they me my your our their them his her not no yes do does did done can could would should will shall may might must have has had what which who whom whose when where why how all any some each few more most other such only own same so than too very just also into over under about above after again against before between both during out up down off once further until while because through per via use using used get got make made one two'.split(
		' '
	)
);

/** Plain prose from markdown: code blocks dropped, inline markup unwrapped, list and heading markers removed. */
export function stripMarkdown(text: string): string {
	return text
		.replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, '\n') // fenced code (closed or cut off)
		.replace(/<[^>\n]+>/g, ' ') // HTML tags
		.replace(/!\[[^\]]*\]\([^)]*\)/g, '') // images
		.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links → their text
		.replace(/`([^`\n]+)`/g, '$1') // inline code
		.replace(/(?<!\w)(\*\*|__|\*|_|~~)(?=\S)([^\n]*?\S)\1(?!\w)/g, '$2') // emphasis (not snake_case)
		.replace(/^ {0,3}#{1,6}\s+/gm, '') // headings
		.replace(/^ {0,3}>\s?/gm, '') // block quotes
		.replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, '') // list markers
		.replace(/^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$/gm, '') // table separator rows
		.replace(/\|/g, ' ')
		.replace(/[ \t]+/g, ' ')
		.trim();
}

/** Sentences: lines are separate units (list items, headings), and lines split after . ! ? before a capital. */
export function splitSentences(prose: string): string[] {
	return prose
		.split(/\n+/)
		.flatMap((line) => line.split(/(?<=[.!?…])\s+(?=[\p{Lu}\p{N}"'(])/u))
		.map((s) => s.trim())
		.filter((s) => /[\p{L}\p{N}]/u.test(s));
}

const contentWords = (text: string) => (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 2 && !stopwords.has(w));

function clip(text: string, max: number): string {
	if (text.length <= max) return text;
	const cut = text.slice(0, max - 1);
	const space = cut.lastIndexOf(' ');
	return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.–-]+$/, '')}…`;
}

const endSentence = (s: string) => (/[.!?…]["')\]]?$/.test(s) ? s : `${s}.`);

/** A title from the prompt (what the run was about), without the politeness around the request. */
function titleFrom(prompt: string, answer: string): string {
	const firstSentence = (text: string) => splitSentences(stripMarkdown(text))[0] ?? '';
	let title = firstSentence(prompt)
		.replace(
			/^(?:(?:hi|hey|hello)\b[,!]?\s*)?(?:(?:please|can you|could you|would you|will you|i need you to|i want you to|help me)\b[,]?\s*)*/i,
			''
		)
		.replace(/[\s,]*\bplease\b[.!]?\s*$/i, '')
		.replace(/[\s.:;,!]+$/, '')
		.trim();
	if (!title) title = firstSentence(answer).replace(/[\s.:;,!]+$/, '');
	if (!title) return 'Untitled run';
	return clip(title[0].toUpperCase() + title.slice(1), TITLE_MAX_CHARS);
}

export function summarizeRun(run: { prompt: string; answer: string }): RunDigest {
	const title = titleFrom(run.prompt, run.answer);
	const sentences = splitSentences(stripMarkdown(run.answer));
	if (sentences.length === 0) {
		const blocks = (run.answer.match(/^ {0,3}(?:```|~~~)/gm) ?? []).length;
		const summary =
			blocks > 0
				? `Answered with ${Math.ceil(blocks / 2)} code block${blocks > 2 ? 's' : ''} and no explanation.`
				: 'No answer was produced.';
		return { title, summary };
	}

	// Word frequency over the answer, plus words the prompt used: sentences dense in both carry the answer's point.
	const frequency = new Map<string, number>();
	for (const w of contentWords(sentences.join(' '))) frequency.set(w, (frequency.get(w) ?? 0) + 1);
	const maxFrequency = Math.max(1, ...frequency.values());
	const promptWords = new Set(contentWords(stripMarkdown(run.prompt)));
	const scored = sentences.map((sentence, index) => {
		const words = contentWords(sentence);
		const density = words.reduce((sum, w) => sum + frequency.get(w)! / maxFrequency, 0) / Math.sqrt(Math.max(words.length, 1));
		const onTopic = words.length ? words.filter((w) => promptWords.has(w)).length / words.length : 0;
		const position = index === 0 ? 1.5 : 1 / (1 + index * 0.1); // the first sentence usually states the answer
		const shape = words.length < 3 || sentence.length > 400 ? 0.5 : 1;
		return { sentence, index, score: (density + onTopic) * position * shape };
	});

	const wanted = sentences.length <= 2 ? sentences.length : sentences.length <= 8 ? 2 : 3;
	const picked: typeof scored = [];
	let length = 0;
	for (const s of [...scored].sort((a, b) => b.score - a.score || a.index - b.index)) {
		if (picked.length === wanted) break;
		const text = clip(s.sentence, SENTENCE_MAX_CHARS);
		if (picked.length > 0 && length + text.length + 1 > SUMMARY_MAX_CHARS) continue;
		picked.push({ ...s, sentence: text });
		length += text.length + 1;
	}
	const summary = picked
		.sort((a, b) => a.index - b.index)
		.map((s) => endSentence(s.sentence))
		.join(' ');
	return { title, summary };
}

/**
 * Appends a run to the room's rolling summary (one "- title: summary" line per run), dropping the oldest lines until
 * it fits `maxChars`; a single entry longer than that is clipped.
 */
export function updateRollingSummary(previous: string | undefined, run: RunDigest, maxChars: number): string {
	if (maxChars <= 0) return '';
	const entry = `- ${run.title}: ${run.summary}`.replace(/\s*\n\s*/g, ' ');
	const lines = [...(previous ?? '').split('\n').filter((l) => l.trim()), entry];
	let total = lines.reduce((sum, l) => sum + l.length, 0) + lines.length - 1;
	while (lines.length > 1 && total > maxChars) total -= lines.shift()!.length + 1;
	return lines.length === 1 ? clip(lines[0], maxChars) : lines.join('\n');
}

// ── model-written summaries ────────────────────────────────────────────────────────────────────────────────────

export const runSummaryJsonSchema = {
	type: 'object',
	// Length limits in the grammar itself: a small model at low temperature otherwise loops until it is cut off.
	properties: { title: { type: 'string', maxLength: TITLE_MAX_CHARS }, summary: { type: 'string', maxLength: 240 } },
	required: ['title', 'summary'],
	additionalProperties: false
} as const;

/** Messages for a cheap loaded model to title and summarise a run; pair with `runSummaryJsonSchema` as the grammar. */
export function summaryPrompt(run: { prompt: string; answer: string }, maxAnswerChars = PROMPT_ANSWER_MAX_CHARS): ChatMessage[] {
	const answer = run.answer.replace(
		/^ {0,3}(`{3,}|~{3,})([^\n]*)\n[\s\S]*?(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm,
		(_m, _f, info: string) => `[${info.trim() || 'code'} block]`
	);
	return [
		{
			role: 'system',
			content: `You title and summarise one exchange from a team's shared chat. Title: at most ${TITLE_MAX_CHARS} characters, naming the topic. Summary: 1 to 3 plain sentences saying what was asked and what the answer concluded. Reply as JSON {"title": "...", "summary": "..."}.`
		},
		{ role: 'user', content: `Prompt:\n${clip(run.prompt, 1000)}\n\nAnswer:\n${clip(answer, maxAnswerChars)}` }
	];
}

const modelSummarySchema = z.object({ title: z.string().trim().min(1), summary: z.string().trim().min(1) });

/** A model's summary reply held to the same limits, or `fallback` (e.g. the extractive one) when it is unusable. */
export function parseSummaryResponse(text: string, fallback: RunDigest): RunDigest {
	const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
	let parsed: unknown;
	try {
		parsed = JSON.parse(json);
	} catch {
		return fallback;
	}
	const result = modelSummarySchema.safeParse(parsed);
	if (!result.success) return fallback;
	const sentences = splitSentences(result.data.summary.replace(/\s+/g, ' ')).slice(0, 3);
	return {
		title: clip(result.data.title.replace(/\s+/g, ' '), TITLE_MAX_CHARS),
		summary: clip(sentences.map(endSentence).join(' '), SUMMARY_MAX_CHARS)
	};
}

/** The node: an extractive title and summary, or the summary model's when it is already loaded (never loaded for this). */
export const summarizerNode =
	(deps: NodeDeps): GraphNode =>
	async (s) => {
		if (!s.answer?.text) return { skipped: [{ node: 'summarizer', reason: 'no answer to summarise' }] };
		const run = { prompt: s.prompt, answer: s.answer.text };
		const extractive = summarizeRun(run);
		if (!deps.summaryModelId) return { summary: extractive };
		const answer = await deps.askModelForJson(deps.summaryModelId, summaryPrompt(run), runSummaryJsonSchema, {
			onlyIfLoaded: true,
			maxTokens: 200,
			temperature: 0.7
		});
		return { summary: answer === undefined ? extractive : parseSummaryResponse(JSON.stringify(answer), extractive) };
	};
