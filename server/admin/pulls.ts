import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { PullState } from '../../src/lib/contract/admin';
import { fail, ok, type Result } from '../../src/lib/contract/result';
import type { PullProgress } from '../models/pull';

export interface PullTask {
	signal: AbortSignal;
	/** Report download progress (also proves the pull is alive for the stall watchdog). */
	progress(p: PullProgress): void;
}

export interface PullTrackerOptions {
	/** A pull with no progress for this long is aborted and reported as failed (default 60 s). */
	stallMs?: number;
	/** At most one `update` per model per interval while running (default 250 ms); start and end always go out. */
	progressIntervalMs?: number;
	now?: () => number;
}

interface Running {
	state: PullState;
	controller: AbortController;
	lastSent: number;
}

/**
 * Background pulls, one at a time per model. Emits `update` with the pull's state when it starts, as it
 * progresses (throttled) and when it ends; keeps the last state per model so a page opened later sees it.
 */
export class PullTracker extends EventEmitter<{ update: [PullState] }> {
	private readonly pulls = new Map<string, Running>();
	private readonly stallMs: number;
	private readonly intervalMs: number;
	private readonly now: () => number;

	constructor(options: PullTrackerOptions = {}) {
		super();
		this.stallMs = options.stallMs ?? 60_000;
		this.intervalMs = options.progressIntervalMs ?? 250;
		this.now = options.now ?? Date.now;
	}

	list(): PullState[] {
		return [...this.pulls.values()].map((p) => ({ ...p.state }));
	}

	isRunning(modelId: string): boolean {
		return this.pulls.get(modelId)?.state.status === 'running';
	}

	/** Starts `task` in the background; refuses while the same model is already being pulled. */
	start(modelId: string, task: (t: PullTask) => Promise<void>): Result<PullState> {
		if (this.isRunning(modelId)) return fail('conflict', `${modelId} is already being pulled`);
		const controller = new AbortController();
		const state: PullState = {
			modelId,
			status: 'running',
			downloadedBytes: 0,
			totalBytes: 0,
			bytesPerSecond: 0,
			startedAt: this.now(),
			finishedAt: null,
			error: null
		};
		const running: Running = { state, controller, lastSent: 0 };
		this.pulls.set(modelId, running);
		this.send(running);
		void this.watch(running, task);
		return ok({ ...state });
	}

	/** Aborts every running pull (server shutdown); a partial download stays on disk to resume later. */
	close(): void {
		for (const p of this.pulls.values()) if (p.state.status === 'running') p.controller.abort(new Error('The server is shutting down'));
	}

	private async watch(running: Running, task: (t: PullTask) => Promise<void>) {
		const { state, controller } = running;
		let stallTimer: NodeJS.Timeout | undefined;
		let giveUp!: (err: unknown) => void;
		const stalled = new Promise<never>((_, reject) => (giveUp = reject));
		stalled.catch(() => {}); // settled by the race below; no unhandled rejection when the task wins
		const arm = () => {
			clearTimeout(stallTimer);
			stallTimer = setTimeout(
				() => giveUp(new Error(`No progress for ${Math.round(this.stallMs / 1000)} s; giving up (pull again to resume)`)),
				this.stallMs
			);
			stallTimer.unref();
		};
		controller.signal.addEventListener('abort', () => giveUp(controller.signal.reason), { once: true });
		arm();
		const progress = (p: PullProgress) => {
			if (state.status !== 'running') return;
			arm();
			state.downloadedBytes = p.downloadedBytes;
			state.totalBytes = p.totalBytes;
			state.bytesPerSecond = p.bytesPerSecond;
			if (this.now() - running.lastSent >= this.intervalMs) this.send(running);
		};
		try {
			await Promise.race([task({ signal: controller.signal, progress }), stalled]);
			state.status = 'done';
			if (state.totalBytes > 0) state.downloadedBytes = state.totalBytes;
		} catch (err) {
			state.status = 'failed';
			state.error = err instanceof Error ? err.message : String(err);
			if (!controller.signal.aborted) controller.abort(err); // stops the download if the watchdog gave up
		} finally {
			clearTimeout(stallTimer);
			state.finishedAt = this.now();
			state.bytesPerSecond = 0;
			this.send(running);
		}
	}

	private send(running: Running) {
		running.lastSent = this.now();
		this.emit('update', { ...running.state });
	}
}

/** Resolves when a TCP connection to the URL's host opens; rejects quickly with a clear message when it cannot. */
export function probeEndpoint(url: URL, timeoutMs = 5000): Promise<void> {
	const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
	const host = url.hostname.replace(/^\[|\]$/g, '');
	return new Promise((resolve, reject) => {
		const socket = net.connect({ host, port });
		const done = (err?: Error) => {
			socket.destroy();
			if (err) reject(err);
			else resolve();
		};
		socket.setTimeout(timeoutMs, () => done(new Error(`Cannot reach ${host}:${port}: no answer within ${Math.round(timeoutMs / 1000)} s`)));
		socket.once('connect', () => done());
		socket.once('error', (err: NodeJS.ErrnoException) => done(new Error(`Cannot reach ${host}:${port} (${err.code ?? err.message})`)));
	});
}

/** Where a catalogue entry downloads from (its URL, or the Hugging Face endpoint for hf: sources); null for local files. */
export function downloadOrigin(remoteUri: string | undefined, env: Record<string, string | undefined> = process.env): URL | null {
	if (!remoteUri) return null;
	if (/^https?:\/\//i.test(remoteUri)) return new URL(remoteUri);
	// The same order node-llama-cpp resolves hf: URIs in.
	for (const candidate of [env.MODEL_ENDPOINT, env.HF_ENDPOINT]) {
		if (candidate && /^https?:\/\//i.test(candidate) && URL.canParse(candidate)) return new URL(candidate);
	}
	return new URL('https://huggingface.co/');
}
