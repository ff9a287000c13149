// Token latency from the model to the viewer, single process vs a web node with inference on a separate worker over
// Redis, at 1, 100 and 1000 viewers (real socket.io-client connections in child processes), next to a raw Socket.IO
// broadcast of the same rate and size; then 1000 viewers held by one web node vs 500 + 500 on two. Latency is
// measured from `producedAt` (SWITCHYARD_TRACE_TOKENS=1: the moment the newest text of a frame left the model, on
// whichever process ran it) to each viewer's receipt, on the machine's shared clock.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { TERMINAL_STATUSES } from '../src/lib/contract/runs';
import { attachRealtime } from '../server/hub/attach';
import { TOKEN_WINDOW_MS } from '../server/orchestrator/run-context';
import { testApp } from '../tests/helpers/app';
import { startCluster, waitFor, type Cluster } from '../tests/helpers/cluster-processes';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
	figures,
	median,
	medianOf,
	now,
	openViewers,
	startRawBaseline,
	type RunFigures,
	type RunTruth,
	type Viewers
} from './cluster-viewers';

/** BENCH_CLUSTER_VIEWERS=100,300 develops with fewer; the two-node row uses the largest count. */
const VIEWER_COUNTS = (process.env.BENCH_CLUSTER_VIEWERS ?? '1,100,1000').split(',').map(Number);
const TWO_NODE_VIEWERS = Math.max(...VIEWER_COUNTS);
/** Runs per configuration; the JSON reports the median of each figure (the machine is shared: single runs are noisy). */
const REPEATS = Number(process.env.BENCH_CLUSTER_REPEATS ?? 3);
/** Every viewer is the same user: lift the per-user connection and join limits for the measurement. */
const LIMITS = { SOCKET_MAX_CONNECTIONS_PER_USER: '100000', ROOM_JOIN_RATE_PER_MINUTE: '1000000' };
const REQUEST = {
	prompt: 'Tell me about rooms',
	mode: 'direct',
	modelId: 'sy-chat-small',
	// A fixed length (ignoreEos). The tiny model writes ~1000 tokens/s, so 768 tokens give ~50 frames per run while
	// keeping the 1000-viewer runs to seconds.
	sampling: { maxTokens: 768, seed: 1, ignoreEos: true },
	approvalGate: false
};

interface System {
	urls: string[];
	token: string;
	roomId: string;
	/** Starts one run and resolves when it has ended, with what its log holds. */
	runOnce(): Promise<RunTruth>;
	/** Event-loop delay of the process that fans out to the viewers since the last call (p99, max ms). */
	serverLoop(): Promise<{ p99: number; max: number }>;
}

const RUN_ENDINGS = ['run.finished', 'run.failed', 'run.cancelled'];

/** A run's log as the truth the viewers are held to. */
function truthOf(runId: string, events: { seq: number; type: string; data: { producedAt?: number } }[]): RunTruth {
	return {
		runId,
		lastSeq: events.at(-1)?.seq ?? 0,
		tokenFrames: events.filter((e) => e.type === 'tokens' && e.data.producedAt !== undefined).length
	};
}

async function singleProcess(): Promise<System & { close(): Promise<void> }> {
	process.env.SWITCHYARD_TRACE_TOKENS = '1';
	const { ctx, user, room } = await testApp({ LOG_LEVEL: 'silent', ...LIMITS });
	const server = http.createServer();
	attachRealtime(server, ctx);
	const loop = monitorEventLoopDelay({ resolution: 10 });
	loop.enable();
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { key } = await ctx.auth.createApiKey(user.id, 'bench');
	const system = {
		urls: [`http://127.0.0.1:${(server.address() as AddressInfo).port}`],
		token: key,
		roomId: room.id,
		async runOnce() {
			const run = await ctx.orchestrator.start({ roomId: room.id, authorId: user.id, request: REQUEST as never, conversation: [] });
			await ctx.orchestrator.waitForRun(run.id);
			return truthOf(run.id, (await ctx.orchestrator.events.eventsAfter(run.id, 0)) as never);
		},
		async serverLoop() {
			const figures = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
			loop.reset();
			return figures;
		},
		async close() {
			loop.disable();
			await ctx.close();
			if (server.listening) await new Promise((r) => server.close(r));
		}
	};
	await system.runOnce(); // warm-up: the model loaded, the graph compiled
	return system;
}

async function clusterSystem(cluster: Cluster): Promise<System> {
	const user = await cluster.post<{ id: string; apiKey: string }>('/__test/user', { name: 'Bench' });
	const room = await cluster.post<{ id: string }>('/__test/room', { ownerId: user.id, memberIds: [] });
	const system = {
		get urls() {
			return cluster.webs.map((w) => w.url);
		},
		token: user.apiKey,
		roomId: room.id,
		async runOnce() {
			const { id } = await cluster.post<{ id: string }>('/__test/start', { roomId: room.id, authorId: user.id, request: REQUEST });
			await waitFor(
				`run ${id} to end`,
				async () => (TERMINAL_STATUSES.includes(((await cluster.run(id)).run?.status ?? 'running') as never) ? true : undefined),
				120_000,
				50
			);
			// The run's row can turn terminal before its last events are stored: wait for the log's ending event.
			const events = await waitFor(
				`run ${id}'s log to end`,
				async () => {
					const { events } = await cluster.run(id);
					return RUN_ENDINGS.includes(events.at(-1)?.type ?? '') ? events : undefined;
				},
				30_000,
				50
			);
			return truthOf(id, events as never);
		},
		/** The first web node's event loop (the one driving runs in the one-node rows; /__test/loop resets it). */
		async serverLoop() {
			return (await fetch(`${cluster.webs[0].url}/__test/loop`)).json() as Promise<{ p99: number; max: number }>;
		}
	};
	await system.runOnce(); // warm-up: the worker loads the model
	return system;
}

/** PUBLISH and XADD calls so far on the cluster's private redis-server (INFO commandstats). */
async function redisCounter(url: string) {
	const client = createClient({ url });
	await client.connect();
	return {
		async count(): Promise<number> {
			const info = await client.info('commandstats');
			const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
			return calls('publish') + calls('xadd');
		},
		close: () => client.quit()
	};
}

/**
 * How long viewers may take, after a run has ended, to hold all of it (live or by replay). Waiting for the run's last
 * seq rather than a fixed pause: a viewer still receiving is not counted as having lost anything, one that never
 * gets there is.
 */
const CATCH_UP_MS = 30_000;

async function measure(
	viewers: Viewers,
	runOnce: () => Promise<RunTruth>,
	serverLoop?: () => Promise<{ p99: number; max: number }>,
	redis?: { count(): Promise<number> }
) {
	const runs: RunFigures[] = [];
	const redisPerFrame: number[] = [];
	const loops: { p99: number; max: number }[] = [];
	for (let i = 0; i < REPEATS; i++) {
		const before = await redis?.count();
		await serverLoop?.();
		const truth = await runOnce();
		const endedAt = now();
		const incomplete = await viewers.caughtUp(truth, CATCH_UP_MS);
		if (serverLoop) loops.push(await serverLoop());
		const after = await redis?.count();
		const run = figures(await viewers.report(), viewers.count, truth, incomplete, endedAt);
		runs.push(run);
		if (before !== undefined && after !== undefined && run.frames) redisPerFrame.push((after - before) / run.frames);
	}
	const summary = {
		...medianOf(runs),
		...(loops.length > 0 && {
			server_loop_delay_ms: { p99: median(loops.map((l) => l.p99)), max: median(loops.map((l) => l.max)) }
		})
	};
	return redis ? { ...summary, redis_publish_xadd_per_token_frame: median(redisPerFrame) } : summary;
}

async function withViewers<T>(
	system: Pick<System, 'urls' | 'token' | 'roomId'>,
	count: number,
	urls: string[],
	body: (v: Viewers) => Promise<T>
) {
	const viewers = await openViewers(urls, system.token, system.roomId, count);
	try {
		return await body(viewers);
	} finally {
		await viewers.close();
	}
}

type Measured = Awaited<ReturnType<typeof measure>>;
const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
const vsRaw = (m: Measured, raw: Measured) => ({
	p50: ratio(m.latency_ms.p50, raw.latency_ms.p50),
	p99: ratio(m.latency_ms.p99, raw.latency_ms.p99)
});

export async function run() {
	const startedAt = performance.now();
	const errors: string[] = [];
	const byViewers: Record<string, { single_process?: Measured; raw_socketio?: Measured; web_plus_worker?: Measured }> = {};
	let twoWebNodes: Measured | undefined;

	const single = await singleProcess();
	const cluster = await startCluster({ env: { ...LIMITS, LOG_LEVEL: 'warn', SWITCHYARD_TRACE_TOKENS: '1' } });
	const raw = await startRawBaseline();
	let redis: Awaited<ReturnType<typeof redisCounter>> | undefined;
	try {
		await cluster.startWeb('web-1');
		await cluster.startWorker('w-1');
		const remote = await clusterSystem(cluster);
		redis = await redisCounter(cluster.redisUrl);

		for (const n of VIEWER_COUNTS) {
			const row: (typeof byViewers)[string] = (byViewers[n] = {});
			try {
				row.single_process = await withViewers(single, n, single.urls, (v) => measure(v, single.runOnce, single.serverLoop));
				const { frames, frames_per_second, bytes_per_message } = row.single_process;
				row.raw_socketio = await withViewers(single, n, [raw.url], (v) =>
					measure(v, () => raw.broadcast(single.roomId, frames, frames_per_second, bytes_per_message))
				);
				row.web_plus_worker = await withViewers(remote, n, [remote.urls[0]], (v) => measure(v, remote.runOnce, remote.serverLoop, redis));
			} catch (err) {
				errors.push(`${n} viewers: ${String(err)}`);
			}
		}
		try {
			await cluster.startWeb('web-2');
			twoWebNodes = await withViewers(remote, TWO_NODE_VIEWERS, remote.urls, (v) => measure(v, remote.runOnce, undefined, redis));
		} catch (err) {
			errors.push(`two web nodes: ${String(err)}`);
		}
	} finally {
		await redis?.close();
		await raw.close();
		await single.close();
		await cluster.close();
	}
	return report(byViewers, twoWebNodes, errors, (performance.now() - startedAt) / 1000);
}

function report(
	byViewers: Record<string, { single_process?: Measured; raw_socketio?: Measured; web_plus_worker?: Measured }>,
	twoWebNodes: Measured | undefined,
	errors: string[],
	seconds: number
) {
	const results = Object.entries(byViewers).map(([viewers, row]) => ({
		viewers: Number(viewers),
		...row,
		vs_raw_socketio:
			row.raw_socketio &&
			Object.fromEntries(
				(['single_process', 'web_plus_worker'] as const).filter((k) => row[k]).map((k) => [k, vsRaw(row[k]!, row.raw_socketio!)])
			)
	}));
	const hop = Object.fromEntries(
		results
			.filter((r) => r.single_process && r.web_plus_worker)
			.map((r) => [r.viewers, Number((r.web_plus_worker!.latency_ms.p50 - r.single_process!.latency_ms.p50).toFixed(2))])
	);
	const p99At100 = byViewers[100]?.web_plus_worker?.latency_ms.p99;
	const oneNode1000 = byViewers[1000]?.web_plus_worker;
	const variants = [
		...results.flatMap((r) =>
			(['single_process', 'raw_socketio', 'web_plus_worker'] as const).filter((k) => r[k]).map((k) => [`${k}@${r.viewers}`, r[k]!] as const)
		),
		...(twoWebNodes ? [[`two_web_nodes@${TWO_NODE_VIEWERS}`, twoWebNodes] as const] : [])
	];
	return {
		suite_seconds: Number(seconds.toFixed(1)),
		/** Loss at a glance: token events a viewer never got (0 expected), resyncs told, token frames per second. */
		delivery: Object.fromEntries(
			variants.map(([name, m]) => [
				name,
				{ lost: m.lost, viewers_incomplete: m.viewers_incomplete, resyncs: m.resyncs, frames_per_second: m.frames_per_second }
			])
		),
		messages_lost_total: variants.reduce((s, [, m]) => s + m.lost, 0),
		repeats: REPEATS,
		coalescing_window_ms: TOKEN_WINDOW_MS,
		note:
			'Latency: from producedAt (the moment the newest text of a token frame left the model: the executor’s onText in the single process, the worker’s in the cluster; carried with SWITCHYARD_TRACE_TOKENS=1) to each viewer’s receipt, on the shared clock (performance.timeOrigin + performance.now()). It includes the wait for the ~16 ms frame timer when the model is faster than one frame. ' +
			`Each figure is the median over ${REPEATS} runs of ${REQUEST.sampling.maxTokens} tokens (sy-chat-small, ignoreEos); each_repeat_p50_p99 shows the spread. ` +
			'The machine has 2 vCPUs shared by the model, the server(s), the worker, redis-server, the viewer processes and other people’s work: figures are noisy. ' +
			'Raw baseline: a bare Socket.IO server in the bench process broadcasting packets of the same size at the single process’s measured frame rate, stamped just before the emit, to the same client program. ' +
			'Redis calls per token frame: PUBLISH + XADD deltas of INFO commandstats on the cluster’s private redis-server over a run, divided by its token frames (so heartbeats and run bookkeeping are included). ' +
			'Delivery: every viewer follows runs like the browser (events applied in seq order; a gap or run:resync is caught up with run:replay, and replayed tokens count as received, at their late receipt time). After a run ends the bench waits (up to 30 s) until every viewer holds it up to the last seq of its stored log, then counts: lost = the log’s token events × viewers − token events the viewers got; viewers_incomplete = viewers still short of the last seq; resyncs, replayed events and gaps seen live are reported per variant, and `delivery` lists lost, resyncs and frames per second for all of them. catch_up_ms: from the moment the bench saw the run’s log end to the last viewer receipt. ' +
			'Event-loop delay (p99, max over the run): viewer_loop_delay_ms is the worst viewer process’s (they share the 2 vCPUs with the servers: when it is high, receipts also waited in the viewers), server_loop_delay_ms the fanning-out process’s (the bench process for the single process, web node 1 for the cluster).',
		goals: {
			redis_hop_p50: {
				goal: 'web node + worker over Redis adds ≤ 1 ms at p50 vs single process',
				added_ms_by_viewers: hop,
				met_by_viewers: Object.fromEntries(Object.entries(hop).map(([n, d]) => [n, d <= 1]))
			},
			p99_100_viewers_inference_off_web_node: {
				goal: 'p99 ≤ 10 ms at 100 viewers (web node + separate worker)',
				measured_ms: p99At100 ?? null,
				met: p99At100 !== undefined && p99At100 <= 10
			}
		},
		results,
		web_nodes_1000_viewers: {
			one_node: oneNode1000 && {
				p50: oneNode1000.latency_ms.p50,
				p99: oneNode1000.latency_ms.p99,
				messages_per_second: oneNode1000.messages_per_second
			},
			two_nodes_500_each: twoWebNodes,
			p99_two_over_one: oneNode1000 && twoWebNodes ? ratio(twoWebNodes.latency_ms.p99, oneNode1000.latency_ms.p99) : null
		},
		errors
	};
}
