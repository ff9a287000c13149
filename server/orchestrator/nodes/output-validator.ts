// Output validator node: checks an answer for the failures small local models actually produce (nothing, a cut-off,
// a loop, broken fences, code that does not parse, JSON that does not match) and says whether and how to retry.
import { answerCheck } from '../../../src/lib/contract/run-output';
import { mayRetryFailure, withinApiLimits } from './api-limits';
import { checkScriptSyntax, extractCodeBlocks, findJsonAnswer, parsesAsScript, schemaProblems } from './code-checks';
import type { CodeLanguage, Finding, FinishReason, NextAttempt, RetryAdjust, TaskKind, ValidationResult } from './types';
import { runContextOf } from '../run-context';
import type { AnswerRecord, RunStateType, RunStateUpdate } from '../state';
import type { PendingEvent } from '../stream-events';
import type { GraphNode } from './node-deps';

export interface ValidateInput {
	text: string;
	finishReason: FinishReason;
	task: TaskKind;
	/** Language assumed for fenced blocks without an info string (from the task analysis). */
	codeLanguage?: CodeLanguage;
	/** The answer must be JSON matching this schema. */
	jsonSchema?: Record<string, unknown>;
}

/** Temperature for a same-model retry: low enough to stay on the likeliest (usually well-formed) path. */
export const RETRY_TEMPERATURE = 0.2;
const PENALTY = { error: 0.4, warning: 0.1, info: 0.02 } as const;
const NGRAM = 5;
const MIN_WORDS_FOR_LOOP = 20;
const MAX_REPORTED_PROBLEMS = 3;

export function validateOutput(input: ValidateInput): ValidationResult {
	const text = input.text;
	if (input.finishReason === 'cancelled') {
		// The user stopped it: report, never retry.
		const findings: Finding[] = [{ code: 'cancelled', severity: 'info', message: 'generation was cancelled' }];
		if (!text.trim()) findings.push({ code: 'empty', severity: 'error', message: 'cancelled before any text was produced' });
		return result(findings, null);
	}
	if (!text.trim()) return withRetry([{ code: 'empty', severity: 'error', message: 'the answer is empty' }]);

	const findings: Finding[] = [];
	const { blocks, unclosed } = extractCodeBlocks(text);
	const jsonExpected = input.jsonSchema !== undefined || (input.codeLanguage === 'json' && input.task !== 'code');
	const midSentence = !jsonExpected && !unclosed && endsMidSentence(text);

	if (input.finishReason === 'length') {
		findings.push(
			midSentence || unclosed
				? { code: 'cut_off', severity: 'error', message: 'cut off at the token limit mid-answer' }
				: { code: 'cut_off', severity: 'warning', message: 'stopped at the token limit; the answer may be incomplete' }
		);
	} else if (midSentence) {
		findings.push({ code: 'ends_mid_sentence', severity: 'warning', message: 'the answer ends mid-sentence' });
	}

	const loop = repetition(text);
	if (loop) findings.push(loop);
	if (unclosed) findings.push({ code: 'unbalanced_fence', severity: 'error', message: 'a ``` code fence is opened but never closed' });

	blocks.forEach((block, i) => {
		const language = block.language ?? (block.info ? undefined : input.codeLanguage);
		const where = `${language ?? 'code'} block ${i + 1}`;
		if (parsesAsScript(language)) {
			const problems = checkScriptSyntax(block.code, language!);
			if (problems.length > 0) {
				// Positions in the answer, not the block: the fence line comes first.
				const shown = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => `line ${block.line + p.line}:${p.column} ${p.message}`);
				findings.push({
					code: 'syntax_error',
					severity: 'error',
					message: `${where} does not parse: ${shown.join('; ')}${problems.length > shown.length ? ` (+${problems.length - shown.length} more)` : ''}`
				});
			}
		} else if (language === 'json' && !jsonExpected) {
			try {
				JSON.parse(block.code);
			} catch (error) {
				findings.push({ code: 'invalid_json', severity: 'error', message: `${where} is not valid JSON: ${(error as Error).message}` });
			}
		}
	});
	if (input.task === 'code' && blocks.length === 0 && !unclosed) {
		findings.push({ code: 'no_code', severity: 'warning', message: 'a code task, but the answer has no fenced code block' });
	}
	if (jsonExpected) findings.push(...jsonFindings(text, blocks, input.jsonSchema));
	return withRetry(findings);
}

function jsonFindings(
	text: string,
	blocks: ReturnType<typeof extractCodeBlocks>['blocks'],
	jsonSchema?: Record<string, unknown>
): Finding[] {
	const found = findJsonAnswer(text, blocks);
	if (!found) return [{ code: 'invalid_json', severity: 'error', message: 'expected a JSON answer but found no JSON' }];
	if (!found.parse.ok)
		return [{ code: 'invalid_json', severity: 'error', message: `${found.source} is not valid JSON: ${found.parse.error}` }];
	const findings: Finding[] = [];
	if (found.source !== 'the answer')
		findings.push({ code: 'json_extracted', severity: 'info', message: `used ${found.source}; the answer has text around it` });
	if (!jsonSchema) return findings;
	try {
		const problems = schemaProblems(found.parse.value, jsonSchema);
		if (problems.length > 0) {
			const shown = problems.slice(0, MAX_REPORTED_PROBLEMS).join('; ');
			findings.push({
				code: 'schema_mismatch',
				severity: 'error',
				message: `JSON does not match the schema: ${shown}${problems.length > MAX_REPORTED_PROBLEMS ? ` (+${problems.length - MAX_REPORTED_PROBLEMS} more)` : ''}`
			});
		}
	} catch (error) {
		findings.push({ code: 'schema_unsupported', severity: 'warning', message: `schema not checked: ${(error as Error).message}` });
	}
	return findings;
}

/** Prose whose last line stops without closing punctuation. Lists, headings, tables and code are exempt. */
function endsMidSentence(text: string): boolean {
	const lines = text.trimEnd().split('\n');
	const last = lines[lines.length - 1].trim();
	if (/^ {0,3}(```|~~~)/.test(last) || /^([-*+>#|]|\d+[.)])\s?/.test(last) || last.endsWith('|')) return false;
	if (last.split(/\s+/).length < 10) return false; // short answers ("Canberra") need no full stop
	return /[\p{L}\p{N},\-–(]$/u.test(last) && !/https?:\/\/\S+$/.test(last);
}

/** A generation loop: the same word 5-grams covering much of the answer, or one line repeated back to back. */
function repetition(text: string): Finding | undefined {
	const lines = text.split('\n').map((l) => l.trim());
	let run = 1;
	for (let i = 1; i < lines.length; i++) {
		run = lines[i] && lines[i].length >= 10 && lines[i] === lines[i - 1] ? run + 1 : 1;
		if (run >= 4)
			return { code: 'repetition', severity: 'error', message: `the line "${lines[i].slice(0, 40)}" repeats ${run}+ times in a row` };
	}
	const words = text.toLowerCase().split(/\s+/).filter(Boolean);
	if (words.length < MIN_WORDS_FOR_LOOP) return undefined;
	const counts = new Map<string, number>();
	const grams: string[] = [];
	for (let i = 0; i + NGRAM <= words.length; i++) {
		const gram = words.slice(i, i + NGRAM).join(' ');
		grams.push(gram);
		counts.set(gram, (counts.get(gram) ?? 0) + 1);
	}
	const covered = new Uint8Array(words.length);
	let top = { gram: '', count: 0 };
	grams.forEach((gram, i) => {
		const count = counts.get(gram)!;
		if (count > top.count) top = { gram, count };
		if (count >= 3) covered.fill(1, i, i + NGRAM);
	});
	const coverage = covered.reduce((sum, c) => sum + c, 0) / words.length;
	const detail = `"${top.gram.slice(0, 40)}" ×${top.count}, ${Math.round(coverage * 100)}% of the text repeats`;
	if (coverage >= 0.5 && top.count >= 4) return { code: 'repetition', severity: 'error', message: `repetition loop: ${detail}` };
	if (coverage >= 0.3) return { code: 'repetition', severity: 'warning', message: `repetitive: ${detail}` };
	return undefined;
}

function score(findings: Finding[]): number {
	const raw = findings.reduce((s, f) => s - PENALTY[f.severity], 1);
	return Math.round(Math.max(0, Math.min(1, raw)) * 100) / 100;
}

function result(findings: Finding[], retry: ValidationResult['retry']): ValidationResult {
	return { ok: !findings.some((f) => f.severity === 'error'), score: score(findings), findings, retry };
}

// Which error drives the retry (the most fundamental first), and what to change for it.
const retryOrder = ['empty', 'repetition', 'cut_off', 'unbalanced_fence', 'invalid_json', 'schema_mismatch', 'syntax_error'] as const;
const adjustFor: Record<(typeof retryOrder)[number], RetryAdjust> = {
	empty: { temperature: RETRY_TEMPERATURE },
	// Lower temperature makes loops likelier: a loop needs another model.
	repetition: 'next-model',
	cut_off: { maxTokensFactor: 2 },
	unbalanced_fence: { temperature: RETRY_TEMPERATURE },
	invalid_json: { temperature: RETRY_TEMPERATURE },
	schema_mismatch: { temperature: RETRY_TEMPERATURE },
	syntax_error: { temperature: RETRY_TEMPERATURE }
};

function withRetry(findings: Finding[]): ValidationResult {
	const errors = findings.filter((f) => f.severity === 'error');
	const driver = retryOrder.map((code) => errors.find((f) => f.code === code)).find((f) => f !== undefined);
	return result(findings, driver ? { reason: driver.message, adjust: adjustFor[driver.code as (typeof retryOrder)[number]] } : null);
}

/**
 * The bounded retry ladder. `attempt` is the 1-based number of the attempt that produced `result`. The first
 * failure retries the same model with the adjustment (lower temperature, or more tokens); later failures move to
 * the next fallback model; at `maxAttempts` it gives up. A same-model retry that would change nothing (temperature
 * already that low) goes straight to the next model, since runs are seeded and would repeat exactly.
 */
export function nextAttempt(
	result: ValidationResult,
	attempt: number,
	maxAttempts: number,
	options: { temperature?: number; fallbacksLeft?: number } = {}
): NextAttempt {
	if (result.ok) return { action: 'accept', reason: `passed validation (score ${result.score})` };
	const problem = result.retry?.reason ?? result.findings.find((f) => f.severity === 'error')?.message ?? 'failed validation';
	if (!result.retry) return { action: 'give-up', reason: `not retryable: ${problem}` };
	if (attempt >= maxAttempts) return { action: 'give-up', reason: `gave up after ${attempt} attempt(s): ${problem}` };
	const nextModel = (): NextAttempt =>
		options.fallbacksLeft === 0
			? { action: 'give-up', reason: `no fallback model left: ${problem}` }
			: { action: 'next-model', reason: problem };
	const { adjust } = result.retry;
	if (adjust === 'next-model' || attempt >= 2) return nextModel();
	const lowerable = adjust.temperature !== undefined && (options.temperature === undefined || options.temperature > adjust.temperature);
	if (lowerable) return { action: 'retry', reason: problem, temperature: adjust.temperature };
	if (adjust.maxTokensFactor !== undefined) return { action: 'retry', reason: problem, maxTokensFactor: adjust.maxTokensFactor };
	return nextModel();
}

/** Attempts per run: the first answer, a same-model retry, then a fallback model. */
export const MAX_ATTEMPTS = 3;
/** The largest answer a retry may ask for (the run request's own limit). */
const MAX_TOKENS_LIMIT = 8192;
const DEFAULT_MAX_TOKENS = 512;

/**
 * What follows an execution, as data: the events to show and the state update. Compare runs score every answer
 * and keep the best; a missing answer falls back to the next model; a failed one climbs the retry ladder
 * (nextAttempt); the accepted (or last) answer becomes the run's answer.
 */
export function planAfterExecution(s: RunStateType, maxAttempts = MAX_ATTEMPTS): { events: PendingEvent[]; update: RunStateUpdate } {
	const task = s.analysis?.task ?? 'chat';
	const check = (a: { text: string; finishReason: string; toolCalls?: AnswerRecord['toolCalls'] }) => {
		// JSON response formats and tool calls are checked against their schema (the grammar shaped them; this proves it).
		const structured = answerCheck(s.request?.output, a);
		return validateOutput({
			text: structured?.text ?? a.text,
			finishReason: a.finishReason as FinishReason,
			task,
			codeLanguage: s.analysis?.codeLanguage,
			jsonSchema: structured?.jsonSchema
		});
	};
	if (s.mode === 'compare') {
		const events: PendingEvent[] = [];
		const compare = s.compare.map((c) => {
			const v = check(c);
			events.push({
				type: 'compare.answer',
				data: { modelId: c.modelId, text: c.text, finishReason: c.finishReason, metrics: c.metrics, score: v.score }
			});
			return { ...c, score: v.score, ok: v.ok };
		});
		const best = [...compare].sort((a, b) => b.score - a.score)[0];
		return { events, update: { compare, answer: best ?? null, outcome: 'accept' } };
	}
	const nextFallback = s.routing?.fallbacks.find((f) => !s.tried.includes(f.modelId));
	if (!s.answer) {
		if (nextFallback && s.attempt < maxAttempts && mayRetryFailure(s.request?.apiLimits, s.error)) {
			const retry = { attempt: s.attempt + 1, reason: s.error?.message ?? 'model unavailable', modelId: nextFallback.modelId };
			return {
				events: [{ type: 'retry', data: retry }],
				update: { outcome: 'next-model', modelId: nextFallback.modelId, attempt: s.attempt + 1 }
			};
		}
		return { events: [], update: { outcome: 'give-up' } };
	}
	const answer = s.answer;
	const validation = check(answer);
	const events: PendingEvent[] = [
		{
			type: 'validation.result',
			data: { modelId: answer.modelId, ok: validation.ok, score: validation.score, findings: validation.findings }
		}
	];
	const fallbacksLeft = s.routing?.fallbacks.filter((f) => !s.tried.includes(f.modelId)).length ?? 0;
	const next =
		answer.finishReason === 'cancelled'
			? ({ action: 'accept', reason: 'cancelled' } as const)
			: withinApiLimits(
					nextAttempt(validation, s.attempt, maxAttempts, { temperature: s.sampling.temperature, fallbacksLeft }),
					s.request?.apiLimits,
					validation,
					answer
				);
	if (next.action === 'retry') {
		const temperature = next.temperature ?? s.sampling.temperature;
		const maxTokens = next.maxTokensFactor
			? Math.min(MAX_TOKENS_LIMIT, Math.round((s.sampling.maxTokens ?? DEFAULT_MAX_TOKENS) * next.maxTokensFactor))
			: s.sampling.maxTokens;
		events.push({ type: 'retry', data: { attempt: s.attempt + 1, reason: next.reason, modelId: answer.modelId, temperature } });
		return {
			events,
			update: { validation, outcome: 'retry', attempt: s.attempt + 1, sampling: { ...s.sampling, temperature, maxTokens } }
		};
	}
	if (next.action === 'next-model' && nextFallback) {
		events.push({ type: 'retry', data: { attempt: s.attempt + 1, reason: next.reason, modelId: nextFallback.modelId } });
		return { events, update: { validation, outcome: 'next-model', attempt: s.attempt + 1, modelId: nextFallback.modelId } };
	}
	events.push({
		type: 'run.answer',
		data: {
			modelId: answer.modelId,
			text: answer.text,
			finishReason: answer.finishReason,
			metrics: answer.metrics,
			...(answer.toolCalls && { toolCalls: answer.toolCalls }),
			...(answer.logprobs && { logprobs: answer.logprobs })
		}
	});
	return { events, update: { validation, outcome: next.action === 'accept' ? 'accept' : 'give-up' } };
}

/** The node: plans what follows the execution and shows it to the room. */
export const outputValidatorNode = (): GraphNode => async (s, config) => {
	const { events, update } = planAfterExecution(s);
	const ctx = runContextOf(config);
	for (const e of events) ctx.emit(e.type, e.data as never);
	return update;
};
