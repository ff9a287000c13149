// Orchestration overhead: the same prompts on the same generated model, once through the full seven-node graph
// (checkpointed, events logged) and once as a direct executor call, with equal token counts (ignoreEos), in the
// same process, interleaved. Reports overhead in ms and as a share of run wall time, extra time to first token,
// and per-node timings.
import { performance } from 'node:perf_hooks';
import type { RunEvent, RunRequest } from '../src/lib/contract/runs';
import { execute } from '../server/models/executor';
import { testApp } from '../tests/helpers/app';

const MODEL = 'sy-chat-small';
const TOKENS = 256;
const PROMPTS = [
	'How do rooms work?',
	'Explain the model cache',
	'What does the router consider?',
	'Tell me about runs and forks',
	'How is a run validated?'
];
const ROUNDS = 3;

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 2) => Number(x.toFixed(d));

export async function run() {
	const { ctx, user, room } = await testApp();
	const { orchestrator, models, bus } = ctx;
	const sampling = { maxTokens: TOKENS, seed: 1, temperature: 0.7, ignoreEos: true } as RunRequest['sampling'];
	await (await models.manager.acquire(MODEL)).release(); // both paths start from a loaded model

	const graphRuns: { wall: number; toAnswer: number; ttft: number; tokens: number; nodes: Record<string, number> }[] = [];
	const directRuns: { wall: number; ttft: number; tokens: number }[] = [];
	for (let r = 0; r < ROUNDS; r++) {
		for (const prompt of PROMPTS) {
			// Direct: lease + execute, exactly what the executor node does at its core.
			let t0 = performance.now();
			const lease = await models.manager.acquire(MODEL);
			let first = 0;
			const direct = await execute(lease, {
				messages: [{ role: 'user', content: prompt }],
				sampling: sampling as never,
				onText: () => (first ||= performance.now())
			});
			await lease.release();
			directRuns.push({ wall: performance.now() - t0, ttft: first - t0, tokens: direct.metrics.completionTokens });

			// Orchestrated: the whole graph, the router pinned to the same model.
			const events: RunEvent[] = [];
			let firstToken = 0;
			let answered = 0;
			const off = bus.subscribe((e) => {
				if (e.type === 'tokens' && !firstToken) firstToken = performance.now();
				if (e.type === 'run.answer') answered = performance.now();
				events.push(e);
			});
			t0 = performance.now();
			// conversation: [] gives the graph the same (empty) history as the direct call.
			const started = await orchestrator.start({
				roomId: room.id,
				authorId: user.id,
				request: { prompt, mode: 'orchestrated', modelId: MODEL, sampling, approvalGate: false },
				conversation: []
			});
			await orchestrator.waitForRun(started.id);
			const wall = performance.now() - t0;
			off();
			const mine = events.filter((e) => e.runId === started.id);
			const nodes = Object.fromEntries(
				mine.filter((e) => e.type === 'node.finished').map((e) => [(e.data as { node: string }).node, (e.data as { ms: number }).ms])
			);
			const answer = mine.find((e) => e.type === 'run.answer')?.data as { metrics: { completionTokens: number } } | undefined;
			graphRuns.push({ wall, toAnswer: answered - t0, ttft: firstToken - t0, tokens: answer?.metrics.completionTokens ?? 0, nodes });
		}
	}
	await ctx.close();

	const graphWall = median(graphRuns.map((g) => g.wall));
	const directWall = median(directRuns.map((d) => d.wall));
	const overheads = graphRuns.map((g, i) => g.wall - directRuns[i].wall);
	const nodeNames = Object.keys(graphRuns[0].nodes);
	return {
		model: MODEL,
		tokens_per_run: TOKENS,
		runs: graphRuns.length,
		equal_token_counts: graphRuns.every((g, i) => g.tokens === directRuns[i].tokens && g.tokens === TOKENS),
		orchestrated_wall_ms_p50: round(graphWall),
		direct_wall_ms_p50: round(directWall),
		overhead_ms: round(median(overheads)),
		overhead_ratio: round(median(overheads) / graphWall, 4),
		// The answer is final (validated) at run.answer; the summary and bookkeeping after it do not delay the user.
		answer_overhead_ms: round(median(graphRuns.map((g, i) => g.toAnswer - directRuns[i].wall))),
		answer_overhead_ratio: round(median(graphRuns.map((g, i) => (g.toAnswer - directRuns[i].wall) / g.toAnswer)), 4),
		extra_ttft_ms: round(median(graphRuns.map((g, i) => g.ttft - directRuns[i].ttft))),
		node_ms_p50: Object.fromEntries(nodeNames.map((n) => [n, round(median(graphRuns.map((g) => g.nodes[n] ?? 0)))])),
		goal: 'overhead <= 3 ms and <= 1% of a 256-token run'
	};
}
