// A started run answered in OpenAI's shapes: one JSON body, or server-sent chunks ending in `data: [DONE]`. Both
// follow the run's own event stream, so what the caller gets is exactly what the room watched.
import { createHash } from 'node:crypto';
import { json } from '@sveltejs/kit';
import type { TokenLogprob, ToolCall } from '$contract/run-output';
import type { RunEvent, RunEventData, RunSummary } from '$contract/runs';
import { finishReasonFor, openAiError, usage } from './openai';

type Services = App.Locals['app'];
type Actor = NonNullable<App.Locals['user']>;
type Answer = RunEventData['run.answer'];

export interface AnswerOptions {
	kind: 'chat' | 'text';
	stream: boolean;
	includeUsage: boolean;
	/** The answer's text is a forced tool call: stream it as tool_calls, not as content. */
	toolCallAnswer: boolean;
}

/** Changes when the model's file does: OpenAI's "backend configuration" marker for seed reproducibility. */
export function systemFingerprint(app: Services, modelId: string | null): string | null {
	const model = modelId ? app.models.list().find((m) => m.id === modelId) : undefined;
	if (!model) return null;
	const digest = createHash('sha256')
		.update(`${model.id}:${model.sizeBytes ?? 0}:${model.quantization}:llama.cpp`)
		.digest('hex');
	return `fp_${digest.slice(0, 10)}`;
}

export function openAiToolCalls(calls: ToolCall[]) {
	return calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
}

export function openAiLogprobs(logprobs: TokenLogprob[] | undefined) {
	if (!logprobs) return null;
	const bytes = (t: string) => [...Buffer.from(t, 'utf8')];
	return {
		content: logprobs.map((l) => ({
			token: l.token,
			logprob: l.logprob,
			bytes: bytes(l.token),
			top_logprobs: l.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: bytes(t.token) }))
		})),
		refusal: null
	};
}

/** Resolves with the accepted answer once the run ends (or the reason it has none). */
async function finalAnswer(app: Services, user: Actor, runId: string): Promise<{ answer?: Answer; failure?: RunEvent }> {
	return new Promise((resolve) => {
		let answer: Answer | undefined;
		let stop = () => {};
		let done = false;
		const onEvent = (e: RunEvent) => {
			if (done) return;
			if (e.type === 'run.answer') answer = e.data;
			if (e.type === 'run.finished' || e.type === 'run.failed' || e.type === 'run.cancelled' || e.type === 'run.interrupted') {
				done = true;
				stop();
				resolve(e.type === 'run.finished' ? { answer } : { failure: e });
			}
		};
		void app.runsService.follow(user, runId, 0, onEvent).then((following) => {
			if (!following.ok) return resolve({});
			stop = following.data;
			if (done) stop(); // it ended while its past events were being replayed
		});
	});
}

export async function answerRun(app: Services, user: Actor, run: RunSummary, options: AnswerOptions): Promise<Response> {
	const headers = { 'x-switchyard-run-id': run.id };
	const id = `${options.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${run.id}`;
	const created = Math.floor(run.createdAt / 1000);
	if (!options.stream) {
		const { answer, failure } = await finalAnswer(app, user, run.id);
		if (!answer) {
			const message =
				failure?.type === 'run.failed' ? failure.data.error : `The run ended ${failure?.type.replace('run.', '') ?? 'unexpectedly'}`;
			return openAiError(failure?.type === 'run.cancelled' ? 499 : 500, message, 'run_failed', 'server_error');
		}
		const finish = finishReasonFor(answer.finishReason);
		const calls = answer.toolCalls && answer.toolCalls.length > 0 ? openAiToolCalls(answer.toolCalls) : undefined;
		const choice =
			options.kind === 'chat'
				? {
						index: 0,
						message: { role: 'assistant', content: calls ? null : answer.text, refusal: null, ...(calls && { tool_calls: calls }) },
						finish_reason: finish,
						logprobs: openAiLogprobs(answer.logprobs)
					}
				: { index: 0, text: answer.text, finish_reason: finish, logprobs: null };
		return json(
			{
				id,
				object: options.kind === 'chat' ? 'chat.completion' : 'text_completion',
				created,
				model: answer.modelId,
				system_fingerprint: systemFingerprint(app, answer.modelId),
				choices: [choice],
				usage: usage(answer.metrics)
			},
			{ headers }
		);
	}
	return new Response(streamRun(app, user, run, id, created, options), {
		headers: { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' }
	});
}

function streamRun(app: Services, user: Actor, run: RunSummary, id: string, created: number, options: AnswerOptions) {
	const encoder = new TextEncoder();
	let stop = () => {};
	let closed = false;
	return new ReadableStream<Uint8Array>({
		async start(controller) {
			const send = (data: unknown) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`));
			let model: string | null = run.modelId;
			const chunk = (delta: Record<string, unknown>, finish: string | null) =>
				send({
					id,
					object: options.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
					created,
					model,
					system_fingerprint: systemFingerprint(app, model),
					choices: [
						options.kind === 'chat'
							? { index: 0, delta, finish_reason: finish, logprobs: null }
							: { index: 0, text: delta.content ?? '', finish_reason: finish, logprobs: null }
					],
					...(options.includeUsage && { usage: null })
				});
			let answer: Answer | undefined;
			if (options.kind === 'chat') chunk({ role: 'assistant', content: '' }, null);
			const onEvent = (e: RunEvent) => {
				if (closed) return;
				if (e.type === 'model.loaded') model = e.data.modelId;
				// Retries stream again: only the attempt that the validator accepts is the answer, so tokens of the current attempt are sent as they come.
				if (e.type === 'tokens' && !options.toolCallAnswer) {
					model = e.data.modelId;
					chunk({ content: e.data.text }, null);
				}
				if (e.type === 'run.answer') {
					answer = e.data;
					model = e.data.modelId;
					// Each call as one delta: its index, id and name, and the whole arguments text.
					(e.data.toolCalls ?? []).forEach((call, index) =>
						chunk(
							{ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] },
							null
						)
					);
				}
				if (e.type === 'run.finished' || e.type === 'run.failed' || e.type === 'run.cancelled' || e.type === 'run.interrupted') {
					if (e.type === 'run.failed') send({ error: { message: e.data.error, type: 'server_error', code: e.data.code } });
					chunk({}, finishReasonFor(answer?.finishReason ?? 'stop'));
					if (options.includeUsage)
						send({
							id,
							object: options.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
							created,
							model,
							system_fingerprint: systemFingerprint(app, model),
							choices: [],
							usage: usage(answer?.metrics ?? null)
						});
					controller.enqueue(encoder.encode('data: [DONE]\n\n'));
					closed = true;
					stop();
					controller.close();
				}
			};
			const following = await app.runsService.follow(user, run.id, 0, onEvent);
			if (following.ok) stop = following.data;
			if (closed) stop(); // the run ended while its past events were being replayed
		},
		cancel() {
			// The client went away: stop listening and stop the model.
			closed = true;
			stop();
			void app.runsService.cancel(user, run.id);
		}
	});
}
