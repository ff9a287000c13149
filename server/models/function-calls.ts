// `tool_choice: "auto"`: the model decides between text and tool calls. node-llama-cpp's LlamaChat does this through
// the chat wrapper: the tools are documented in the system prompt, and once the model starts the wrapper's call
// syntax the parameters are generated under a grammar built from the tool's JSON schema. Slower per token than the
// executor's own loop, so only runs that offer tools take this path.
import { performance } from 'node:perf_hooks';
import { LlamaChat, type ChatHistoryItem, type ChatModelFunctions, type ChatWrapper, type GbnfJsonSchema } from 'node-llama-cpp';
import { toGrammarSchema } from '../../src/lib/contract/json-schema-subset';
import { activeTools } from '../../src/lib/contract/run-output';
import { executionMetrics, finishReasons, type ExecuteRequest, type ExecuteResult } from './executor';
import type { ModelLease } from './manager';
import { newToolCallId } from './structured';

const DEFAULT_MAX_TOKENS = 512;

export async function executeWithFunctions(
	lease: ModelLease,
	wrapper: ChatWrapper,
	history: ChatHistoryItem[],
	request: ExecuteRequest,
	trimmed: number
): Promise<ExecuteResult> {
	const started = performance.now();
	const { sampling = {}, output } = request;
	const functions: ChatModelFunctions = Object.fromEntries(
		activeTools(output).map((tool) => [
			tool.name,
			{ description: tool.description, params: toGrammarSchema(tool.parameters) as GbnfJsonSchema }
		])
	);
	const meter = lease.sequence.tokenMeter;
	const before = { input: meter.usedInputTokens, output: meter.usedOutputTokens };
	const chat = new LlamaChat({ contextSequence: lease.sequence, chatWrapper: wrapper, autoDisposeSequence: false });
	let firstTokenAt: number | null = null;
	try {
		const result = await chat.generateResponse(history, {
			functions,
			documentFunctionParams: true,
			maxParallelFunctionCalls: output?.parallelToolCalls === false ? 1 : undefined,
			temperature: sampling.temperature ?? 0.7,
			topP: sampling.topP,
			seed: sampling.seed ?? 42,
			maxTokens: sampling.maxTokens ?? DEFAULT_MAX_TOKENS,
			customStopTriggers: sampling.stop,
			signal: request.signal,
			stopOnAbortSignal: true,
			onTextChunk: (text) => {
				if (!text) return;
				firstTokenAt ??= performance.now();
				request.onText?.(text);
			}
		});
		const toolCalls = result.functionCalls?.map((call) => ({
			id: newToolCallId(),
			name: call.functionName,
			arguments: JSON.stringify(call.params ?? {})
		}));
		const calls = toolCalls && toolCalls.length > 0 ? toolCalls : undefined;
		return {
			text: result.response,
			finishReason: calls ? 'tool_calls' : (finishReasons[result.metadata.stopReason] ?? 'stop'),
			toolCalls: calls,
			metrics: executionMetrics(lease, {
				started,
				firstTokenAt,
				promptTokens: meter.usedInputTokens - before.input,
				completionTokens: meter.usedOutputTokens - before.output,
				trimmed
			})
		};
	} finally {
		chat.dispose({ disposeSequence: false });
	}
}
