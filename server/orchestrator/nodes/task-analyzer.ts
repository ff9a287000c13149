// Task analyzer node: decides what a prompt asks for from cheap heuristics (microseconds, no model needed), and
// leaves a seam for an LLM classifier whose structured answer can be merged in later.
import { z } from 'zod';
import { activeTools, type RunOutput } from '../../../src/lib/contract/run-output';
import { capabilities } from '../../models/catalog';
import { asksForJson, detectLanguage, fenceInfos, keywordRules } from './task-signals';
import type { ChatMessage, ClassifierResult, TaskAnalysis, TaskKind } from './types';
import { runContextOf } from '../run-context';
import type { GraphNode, NodeDeps } from './node-deps';

export const taskKinds: readonly TaskKind[] = capabilities;

// Ties go to the more specific task: a model good at code is a better pick than a generalist for a code/chat tie.
const tiePriority: TaskKind[] = ['code', 'math', 'summarize', 'creative', 'reasoning', 'chat'];

/** Every prompt is at least a chat: the score other tasks must beat. */
const CHAT_BASELINE = 1;
const LONG_TEXT_CHARS = 700;

const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

function emptyScores(): Record<TaskKind, number> {
	return Object.fromEntries(taskKinds.map((t) => [t, 0])) as Record<TaskKind, number>;
}

export function analyzeTask(prompt: string): TaskAnalysis {
	const raw = emptyScores();
	const features: string[] = [];
	const add = (task: TaskKind, weight: number, feature: string) => {
		raw[task] += weight;
		features.push(`${feature} → ${task} (+${round(weight, 2)})`);
	};
	raw.chat = CHAT_BASELINE;
	const text = prompt.trim();

	for (const r of keywordRules) {
		const distinct = [...new Set([...text.matchAll(r.pattern)].map((m) => m[0].toLowerCase().trim()))];
		if (distinct.length === 0) continue;
		const extras = Math.min(distinct.length - 1, r.maxExtra);
		add(
			r.task,
			r.weight + extras * r.extra,
			`${r.label} (${distinct
				.slice(0, 3)
				.map((d) => `"${d.slice(0, 24)}"`)
				.join(', ')})`
		);
	}

	const infos = fenceInfos(text);
	if (infos.length > 0) add('code', 3, `code fence${infos[0] ? ` (${infos[0]})` : ''}`);

	const prose = text.replace(/^ {0,3}(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\1\s*$/gm, '');
	const symbols = (prose.match(/[{}();=<>[\]]/g) ?? []).length;
	if (prose.length >= 30 && symbols / prose.length > 0.04)
		add('code', 1.5, `symbol density ${Math.round((symbols / prose.length) * 100)}%`);
	const identifiers = new Set(prose.match(/\b[a-z]+[A-Z][A-Za-z0-9]*\b|\b[a-z]+_[a-z0-9_]+\b/g) ?? []);
	if (identifiers.size >= 2) add('code', 1, `identifiers (${[...identifiers].slice(0, 2).join(', ')})`);

	// A long paste is usually material to work on; with a summary request it is the strongest signal there is.
	const paragraphs = prose.split(/\n\s*\n/).filter((p) => p.trim().length > 0).length;
	const sentences = (prose.match(/[.!?](\s|$)/g) ?? []).length;
	if (prose.length >= LONG_TEXT_CHARS && (paragraphs >= 2 || sentences >= 6)) {
		const summaryAsked = raw.summarize > 0;
		add('summarize', summaryAsked ? 3 : 1, `long pasted text (${prose.length} chars${summaryAsked ? ', with a summary request' : ''})`);
	}
	const numbers = prose.match(/(?<![\w.])\d+(?:[.,]\d+)?%?/g) ?? [];
	if (raw.math > raw.code && numbers.length >= 2) add('math', 1, `numbers in the question (${numbers.slice(0, 3).join(', ')})`);
	// A short plain question with nothing else to go on is small talk or a fact lookup.
	const specific = taskKinds.some((t) => t !== 'chat' && raw[t] > 0);
	if (!specific && /\?\s*$/.test(text) && text.length < 160) add('chat', 0.5, 'short question');

	const ranked = [...taskKinds].sort((a, b) => raw[b] - raw[a] || tiePriority.indexOf(a) - tiePriority.indexOf(b));
	const [top, second] = [raw[ranked[0]], raw[ranked[1]]];
	// Margin over the runner-up, damped when even the winner's evidence is thin.
	const margin = (top - second) / top;
	const strength = 1 - Math.exp(-top / 3);
	const confidence = round(clamp(margin * (0.4 + 0.6 * strength), 0.05, 0.99), 2);
	const total = taskKinds.reduce((sum, t) => sum + raw[t], 0);
	const scores = emptyScores();
	for (const t of taskKinds) scores[t] = round(raw[t] / total);

	const task = ranked[0];
	if (features.length === 0) features.push('no specific signals → chat');
	const wantsJson = asksForJson(text);
	if (wantsJson) features.push('asks for a JSON answer');
	const detected = task === 'code' || infos.length > 0 ? detectLanguage(text, infos) : undefined;
	const codeLanguage = detected ?? (wantsJson ? 'json' : undefined);
	return { task, confidence, features, scores, wantsJson, ...(codeLanguage ? { codeLanguage } : {}) };
}

// ── LLM classifier seam ────────────────────────────────────────────────────────────────────────────────────────

/**
 * Structured output for an LLM classifier, in the JSON-schema subset node-llama-cpp's grammar supports (hence the
 * bare `enum` and no numeric bounds: the merge clamps the confidence instead).
 */
export const classifierJsonSchema = {
	type: 'object',
	properties: {
		task: { enum: [...taskKinds] },
		confidence: { type: 'number' }
	},
	required: ['task', 'confidence'],
	additionalProperties: false
} as const;

const classifierResultSchema = z.object({ task: z.enum(capabilities), confidence: z.number().finite() });

const taskDescriptions: Record<TaskKind, string> = {
	code: 'write, fix, explain or review program code, scripts, queries or configuration',
	math: 'calculate, solve equations, or answer a question about numbers, geometry or probability',
	reasoning: 'multi-step reasoning: explain why, compare options, prove, analyse a decision or puzzle',
	summarize: 'shorten or summarise text the user provides',
	creative: 'stories, poems, song lyrics, slogans and other creative writing',
	chat: 'everything else: conversation, facts, advice, emails, translation'
};

const CLASSIFIER_PROMPT_CHARS = 2000;

/** Messages asking a (small) model to classify a prompt; pair with `classifierJsonSchema` as the grammar. */
export function classifierPrompt(prompt: string): ChatMessage[] {
	const clipped =
		prompt.length > CLASSIFIER_PROMPT_CHARS
			? `${prompt.slice(0, CLASSIFIER_PROMPT_CHARS)}\n[… ${prompt.length - CLASSIFIER_PROMPT_CHARS} more characters]`
			: prompt;
	const categories = taskKinds.map((t) => `- ${t}: ${taskDescriptions[t]}`).join('\n');
	return [
		{
			role: 'system',
			content: `Classify the user's prompt into exactly one task category:\n${categories}\nAnswer with JSON {"task": <category>, "confidence": <0 to 1>}. Do not answer the prompt itself.`
		},
		{ role: 'user', content: `Prompt to classify:\n"""\n${clipped}\n"""` }
	];
}

/**
 * Combines the heuristic with an LLM classifier's answer (raw parsed JSON; anything malformed is ignored).
 * Agreement raises confidence; on disagreement the more confident side wins (the heuristic on a tie, as it is the
 * one whose reasons are visible), with its confidence reduced by the other side's.
 */
export function mergeClassifierResult(heuristic: TaskAnalysis, llmResult: unknown): TaskAnalysis {
	const parsed = classifierResultSchema.safeParse(llmResult);
	if (!parsed.success) return { ...heuristic, features: [...heuristic.features, 'LLM classifier answer ignored: not {task, confidence}'] };
	const llm: ClassifierResult = { task: parsed.data.task, confidence: clamp(parsed.data.confidence, 0, 1) };

	// Blend the distributions half and half: the LLM's is its pick at its confidence, the rest spread evenly.
	const scores = emptyScores();
	for (const t of taskKinds) {
		const llmShare = t === llm.task ? llm.confidence : (1 - llm.confidence) / (taskKinds.length - 1);
		scores[t] = round((heuristic.scores[t] + llmShare) / 2);
	}
	const label = `LLM classifier: ${llm.task} (${round(llm.confidence, 2)})`;
	if (llm.task === heuristic.task) {
		const confidence = round(1 - (1 - heuristic.confidence) * (1 - llm.confidence), 2);
		return { ...heuristic, confidence, scores, features: [...heuristic.features, `${label} agrees`] };
	}
	const llmWins = llm.confidence > heuristic.confidence;
	const [winner, loser] = llmWins ? [llm.confidence, heuristic.confidence] : [heuristic.confidence, llm.confidence];
	const confidence = round(clamp(winner - loser / 2, 0.05, 0.99), 2);
	if (!llmWins) return { ...heuristic, confidence, scores, features: [...heuristic.features, `${label} overruled by the heuristic`] };
	const task = llm.task;
	// Keep the heuristic's language only where it still applies.
	const codeLanguage = task === 'code' || heuristic.codeLanguage === 'json' ? heuristic.codeLanguage : undefined;
	const { codeLanguage: _dropped, ...rest } = heuristic;
	return {
		...rest,
		task,
		confidence,
		scores,
		features: [...heuristic.features, `${label} overrules the heuristic (${heuristic.task})`],
		...(codeLanguage ? { codeLanguage } : {})
	};
}

/** Marks an analysis whose run offers tools the model may call, so the router prefers models that call functions. */
export function withToolNeed(analysis: TaskAnalysis, output: RunOutput | undefined): TaskAnalysis {
	const tools = activeTools(output);
	if (tools.length === 0) return analysis;
	const names = tools.map((t) => t.name).join(', ');
	return {
		...analysis,
		needsTools: true,
		features: [...analysis.features, `offers tools (${names}) → prefers models that call functions`]
	};
}

/** The node: heuristics, refined by the classifier model when one is configured; skipped in direct mode. */
export const taskAnalyzerNode =
	(deps: NodeDeps): GraphNode =>
	async (s, config) => {
		if (s.mode === 'direct')
			return { analysis: null, skipped: [{ node: 'taskAnalyzer', reason: 'direct mode: the model was chosen by hand' }] };
		const heuristic = analyzeTask(s.prompt);
		const output = s.request.output;
		if (!deps.classifierModelId) return { analysis: withToolNeed(heuristic, output) };
		const answer = await deps.askModelForJson(deps.classifierModelId, classifierPrompt(s.prompt), classifierJsonSchema, {
			signal: runContextOf(config).signal
		});
		return { analysis: withToolNeed(answer === undefined ? heuristic : mergeClassifierResult(heuristic, answer), output) };
	};
