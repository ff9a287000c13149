import { performance } from 'node:perf_hooks';
import { LlamaGrammarEvaluationState, type ChatHistoryItem, type ChatWrapper, type LlamaModel, type Token } from 'node-llama-cpp';
import { activeTools, toolCallForced, type RunOutput, type TokenLogprob, type ToolCall } from '../../src/lib/contract/run-output';
import { executeWithFunctions } from './function-calls';
import type { ModelLease } from './manager';
import { ModelError } from './model-errors';
import { chatWrapperFor, grammarFor, isEndOfGeneration } from './model-memo';
import { grammarSourceFor, parseForcedToolCall, tokenLogprob } from './structured';
import { TextStream } from './text-stream';

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant';
	content: string;
}

export interface SamplingOptions {
	temperature?: number;
	topP?: number;
	maxTokens?: number;
	seed?: number;
	stop?: string[];
	/** Keep generating past end-of-generation tokens until maxTokens (llama.cpp's ignore_eos; for benchmarks). */
	ignoreEos?: boolean;
	/** Constrain the answer to JSON matching this schema (node-llama-cpp's JSON-schema grammar). */
	jsonSchema?: Record<string, unknown>;
}

export interface ExecuteRequest {
	messages: ChatMessage[];
	sampling?: SamplingOptions;
	/** JSON answers, tool calls, logprobs, raw completion (plain data from the run request). */
	output?: RunOutput;
	/** Called with each piece of text as it is generated. */
	onText?: (chunk: string) => void;
	signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'stop_sequence' | 'cancelled' | 'tool_calls';

export interface ExecutionMetrics {
	queueWaitMs: number;
	loadWaitMs: number;
	timeToFirstTokenMs: number | null;
	totalMs: number;
	promptTokens: number;
	completionTokens: number;
	tokensPerSecond: number;
	/** Oldest history messages dropped so the prompt and the answer fit the context. */
	trimmedMessages: number;
}

export interface ExecuteResult {
	text: string;
	finishReason: FinishReason;
	metrics: ExecutionMetrics;
	/** The tools the model called (tool_calls finish). */
	toolCalls?: ToolCall[];
	/** Per answer token, when the output asked for log probabilities. */
	logprobs?: TokenLogprob[];
}

// Short on purpose: node-llama-cpp's default system prompt is long for a small context.
const DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant.';
const DEFAULT_MAX_TOKENS = 512;

export const finishReasons: Record<string, FinishReason> = {
	eogToken: 'stop',
	stopGenerationTrigger: 'stop',
	functionCalls: 'stop',
	maxTokens: 'length',
	customStopTrigger: 'stop_sequence',
	abort: 'cancelled'
};

/**
 * Runs one chat completion on a leased model sequence, streaming text through `onText`. The lease stays with the
 * caller (it releases it). Aborting the signal stops generation at the next token and returns what was produced.
 *
 * The loop drives `sequence.evaluate` directly instead of LlamaChatSession: on small models the session's per-token
 * bookkeeping cost about half the decode rate (bench/results/models.json, executor_vs_raw).
 */
export async function execute(lease: ModelLease, request: ExecuteRequest): Promise<ExecuteResult> {
	const started = performance.now();
	const { sampling = {}, output } = request;
	const { model, sequence } = lease;
	const { history, trimmed } = fitToContext(lease, request.messages, sampling.maxTokens ?? DEFAULT_MAX_TOKENS);
	const wrapper = chatWrapperFor(model);
	// The model decides whether to call a tool: node-llama-cpp's function calling through the chat wrapper.
	if (activeTools(output).length > 0 && !toolCallForced(output)) return executeWithFunctions(lease, wrapper, history, request, trimmed);
	const promptTokens = output?.rawCompletion
		? rawPromptTokens(model, request.messages.at(-1)?.content ?? '')
		: chatPromptTokens(model, wrapper, history);
	const room = lease.context.contextSize - promptTokens.length - 1;
	if (room <= 0)
		throw new ModelError(
			'bad_request',
			`The prompt (${promptTokens.length} tokens) does not fit the ${lease.context.contextSize}-token context`
		);
	const maxTokens = Math.min(sampling.maxTokens ?? DEFAULT_MAX_TOKENS, room);
	const grammarSource = sampling.jsonSchema ? { jsonSchema: sampling.jsonSchema } : grammarSourceFor(output);
	const grammar = grammarSource ? await grammarFor(model, grammarSource) : undefined;
	const topLogprobs = output?.topLogprobs;
	const logprobs: TokenLogprob[] | undefined = topLogprobs === undefined ? undefined : [];
	let previousTokens: Token[] = []; // the answer's first token is decoded as the start of the text, like the answer

	const stream = new TextStream(model, sampling.stop ?? []);
	let firstTokenAt: number | null = null;
	let completionTokens = 0;
	let finishReason: FinishReason = 'length';
	const emit = (chunk: string) => {
		if (!chunk) return;
		firstTokenAt ??= performance.now();
		request.onText?.(chunk);
	};

	if (request.signal?.aborted) finishReason = 'cancelled';
	else {
		const options = {
			temperature: sampling.temperature ?? 0.7,
			topP: sampling.topP,
			seed: sampling.seed ?? 42, // node-llama-cpp's default seed is the current second: keep runs reproducible
			grammarEvaluationState: grammar ? new LlamaGrammarEvaluationState({ model, grammar }) : undefined,
			yieldEogToken: true // see the end-of-generation token, so a natural stop is told apart from the length limit
		};
		// Token probabilities cost a vocabulary-sized map per token: only when asked for. evaluateWithMetadata is what
		// `sequence.evaluate` wraps: calling it directly saves a generator hop per token.
		const tokens = sequence.evaluateWithMetadata(promptTokens, { probabilities: logprobs !== undefined }, options);
		// Without stop strings or a grammar nothing depends on the text token by token, so decoding (a native call)
		// happens once per frame; the first token is decoded at once so time to first token is not delayed.
		const decodeEveryToken = (sampling.stop?.length ?? 0) > 0 || grammar !== undefined;
		let lastDecode = 0;
		let inRounds = false;
		try {
			for await (const item of tokens) {
				const { token, probabilities } = item as { token: Token; probabilities?: Map<Token, number> }; // only when asked
				if (!inRounds) {
					lease.rounds.join(); // the prompt is evaluated: from now on one token per round, in step with the others
					inRounds = true;
				}
				if (request.signal?.aborted) {
					finishReason = 'cancelled';
					break;
				}
				if (isEndOfGeneration(model, token) && !sampling.ignoreEos) {
					finishReason = 'stop';
					break;
				}
				completionTokens++;
				stream.add(token);
				if (logprobs && probabilities) {
					logprobs.push(tokenLogprob(model, token, probabilities, topLogprobs ?? 0, previousTokens));
					previousTokens = [...previousTokens.slice(-3), token];
				}
				const now = performance.now();
				if (decodeEveryToken || firstTokenAt === null || now - lastDecode >= DECODE_WINDOW_MS) {
					lastDecode = now;
					const { chunk, stopped } = stream.drain();
					emit(chunk);
					if (stopped) {
						finishReason = 'stop_sequence';
						break;
					}
					if (grammar && closesJson(stream.lastVisibleChar) && isCompleteJson(stream.output)) {
						finishReason = 'stop';
						break;
					}
				}
				if (completionTokens >= maxTokens) break;
				const round = lease.rounds.ready(); // null when this run decodes alone
				if (round) {
					await round;
					if (request.signal?.aborted) {
						finishReason = 'cancelled';
						break;
					}
				}
			}
		} finally {
			if (inRounds) lease.rounds.leave();
		}
	}
	emit(stream.flush());

	const toolCalls = toolCallForced(output) ? parseForcedToolCall(stream.output) : undefined;
	return {
		text: stream.output,
		finishReason: toolCalls ? 'tool_calls' : finishReason,
		toolCalls,
		logprobs,
		metrics: executionMetrics(lease, { started, firstTokenAt, promptTokens: promptTokens.length, completionTokens, trimmed })
	};
}

/** Timings and token counts of one generation. */
export function executionMetrics(
	lease: ModelLease,
	m: { started: number; firstTokenAt: number | null; promptTokens: number; completionTokens: number; trimmed: number }
): ExecutionMetrics {
	const ended = performance.now();
	const decodeMs = m.firstTokenAt === null ? 0 : ended - m.firstTokenAt;
	return {
		queueWaitMs: lease.queueWaitMs,
		loadWaitMs: lease.loadWaitMs,
		timeToFirstTokenMs: m.firstTokenAt === null ? null : m.firstTokenAt - m.started,
		totalMs: ended - m.started,
		promptTokens: m.promptTokens,
		completionTokens: m.completionTokens,
		// Tokens after the first over the time since the first: the decode rate, not counting prompt evaluation.
		tokensPerSecond: decodeMs > 0 && m.completionTokens > 1 ? ((m.completionTokens - 1) * 1000) / decodeMs : 0,
		trimmedMessages: m.trimmed
	};
}

/**
 * The tokens `execute` evaluates for a chat request: the model's chat template applied to the messages (trimmed to
 * the context as `execute` trims them). Benchmarks feed the same tokens to raw `sequence.evaluate`.
 */
export function chatPrompt(lease: ModelLease, messages: ChatMessage[], maxTokens = DEFAULT_MAX_TOKENS): Token[] {
	return chatPromptTokens(lease.model, chatWrapperFor(lease.model), fitToContext(lease, messages, maxTokens).history);
}

function chatPromptTokens(model: LlamaModel, wrapper: ChatWrapper, history: ChatHistoryItem[]): Token[] {
	return wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
}

/** A text completion's prompt: the text itself, after the BOS token when the model expects one. */
function rawPromptTokens(model: LlamaModel, text: string): Token[] {
	const tokens = model.tokenize(text);
	return model.tokens.bos !== null && model.tokens.shouldPrependBosToken ? [model.tokens.bos, ...tokens] : tokens;
}

const DECODE_WINDOW_MS = 8;

const closesJson = (char: string) => char === '}' || char === ']';

function isCompleteJson(text: string): boolean {
	const trimmed = text.trim();
	if (!trimmed.endsWith('}') && !trimmed.endsWith(']')) return false;
	try {
		JSON.parse(trimmed);
		return true;
	} catch {
		return false;
	}
}

/**
 * Splits messages into system prompt, earlier history and the final user prompt, dropping the oldest history
 * until the prompt plus room for the answer fits the context window.
 */
function fitToContext(lease: ModelLease, messages: ChatMessage[], maxTokens: number) {
	const last = messages.at(-1);
	if (!last || last.role !== 'user') throw new ModelError('bad_request', 'The last message must be from the user');
	const systemPrompt =
		messages
			.filter((m) => m.role === 'system')
			.map((m) => m.content)
			.join('\n\n') || DEFAULT_SYSTEM_PROMPT;
	const earlier = messages.slice(0, -1).filter((m) => m.role !== 'system');
	const tokens = (text: string) => lease.model.tokenize(text).length + 8; // + chat-template overhead per message
	const contextSize = lease.context.contextSize;
	const fixed = tokens(systemPrompt) + tokens(last.content) + Math.min(maxTokens, contextSize / 2);
	let budget = contextSize - fixed;
	const kept: ChatMessage[] = [];
	for (let i = earlier.length - 1; i >= 0; i--) {
		const cost = tokens(earlier[i].content);
		if (cost > budget) break;
		budget -= cost;
		kept.unshift(earlier[i]);
	}
	const history: ChatHistoryItem[] = [
		{ type: 'system', text: systemPrompt },
		...kept.map((m): ChatHistoryItem => (m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] })),
		{ type: 'user', text: last.content },
		{ type: 'model', response: [] } // the turn the model writes
	];
	return { history, trimmed: earlier.length - kept.length };
}
