// Opens each new model file in a supervised child process before the server hands it to llama.cpp (MODEL_LOAD_CHECK=
// child): llama.cpp aborts the whole process on some malformed files, and the child is what dies then. A file is
// checked once per stamp (path, size, mtime) and engine: a pass is remembered in the database (restarts don't pay
// again) and in the process (every app context of it shares the memo), and a changed file is checked again. Files
// asked for together share one child, which is what a check mostly costs (measured in bench/results/load-check.json).
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../logger';
import type { FileStamp } from '../quarantine.repository';
import type { LoadCheckRepository } from './load-check.repository';
import { runCheck, type CheckJob, type CheckOutcome, type CheckRequest } from './run-check';

export type CheckVerdict =
	/** `inspection`: the file fails gguf/inspect.ts, so the loader refuses it with that reason before llama.cpp runs. */
	| { ok: true; by: 'memo' | 'database' | 'child' | 'no-file' | 'inspection' }
	/** The file killed or failed the child: quarantine it with this reason. */
	| { ok: false; cause: 'crashed' | 'load_failed'; reason: string }
	/** The check says nothing about the file (the child could not start, or ran out of time): refuse, don't quarantine. */
	| { ok: false; cause: 'inconclusive'; reason: string };

/** Stamps that passed, as `engine|path|size|mtime` keys. */
export class PassMemo {
	private readonly keys = new Set<string>();
	has = (file: FileStamp, engine: string) => this.keys.has(memoKey(file, engine));
	add = (file: FileStamp, engine: string) => void this.keys.add(memoKey(file, engine));
}

const memoKey = (file: FileStamp, engine: string) => `${engine}|${file.path}|${file.size}|${file.mtimeMs}`;

// One memo per process, shared by every app context in it (tests and dev mode build several): a pass is a fact about
// the file and the engine, which a process does not change.
const MEMO_KEY = Symbol.for('switchyard.load-check-memo');
export function processPassMemo(): PassMemo {
	const global = globalThis as Record<symbol, unknown>;
	global[MEMO_KEY] ??= new PassMemo();
	return global[MEMO_KEY] as PassMemo;
}

export interface LoadCheckerOptions {
	passes: LoadCheckRepository;
	/** node-llama-cpp's llama.cpp release and backend: part of what a pass is about. */
	engine: string;
	gpu: CheckRequest['gpu'];
	useMmap: boolean;
	logger: Logger;
	/** Whether the file passes inspection (gguf/inspect.ts): one that does not never reaches llama.cpp, nor the child. */
	inspect: (path: string) => Promise<boolean>;
	/** How long one child may take for its whole batch. */
	timeoutMs?: number;
	memo?: PassMemo;
	/** Starts the child (tests count or replace it). */
	run?: typeof runCheck;
	now?: () => number;
}

interface Pending {
	job: CheckJob;
	file: FileStamp;
	resolve: (verdict: CheckVerdict) => void;
}

export class LoadChecker {
	private readonly memo: PassMemo;
	private readonly run: typeof runCheck;
	private readonly inFlight = new Map<string, Promise<CheckVerdict>>();
	private queue: Pending[] = [];
	private busy = false;
	private readonly closing = new AbortController();
	/** Children started (reported in stats and asserted by tests). */
	children = 0;

	constructor(private readonly options: LoadCheckerOptions) {
		this.memo = options.memo ?? processPassMemo();
		this.run = options.run ?? runCheck;
	}

	/** Whether llama.cpp may open this file in the server process; checks it in a child first when it is new. */
	async check(job: CheckJob): Promise<CheckVerdict> {
		const file = await stat(job.path).then(
			(s): FileStamp => ({ path: job.path, size: s.size, mtimeMs: Math.floor(s.mtimeMs) }),
			() => undefined
		);
		if (!file) return { ok: true, by: 'no-file' }; // nothing to open: the load itself reports the missing file
		const { engine } = this.options;
		if (this.memo.has(file, engine)) return { ok: true, by: 'memo' };
		const key = memoKey(file, engine);
		let verdict = this.inFlight.get(key);
		if (!verdict) {
			verdict = this.decide(job, file).finally(() => this.inFlight.delete(key));
			this.inFlight.set(key, verdict);
		}
		return verdict;
	}

	/** Stops a running child; what it had not reported, and what waits, is inconclusive (nothing is stored). */
	close(): void {
		this.closing.abort();
	}

	private async decide(job: CheckJob, file: FileStamp): Promise<CheckVerdict> {
		const { engine, passes, logger } = this.options;
		if (!(await this.options.inspect(file.path))) return { ok: true, by: 'inspection' };
		const stored = await passes.passed(file, engine).catch((err: unknown) => {
			logger.warn({ err, file: file.path }, 'could not read the model load checks: checking the file again');
			return undefined;
		});
		if (stored) {
			this.memo.add(file, engine);
			return { ok: true, by: 'database' };
		}
		return new Promise((resolve) => {
			this.queue.push({ job, file, resolve });
			this.startBatch();
		});
	}

	/** One child at a time; files asked for meanwhile wait and go together in the next one. */
	private startBatch() {
		if (this.closing.signal.aborted) {
			for (const pending of this.queue.splice(0))
				pending.resolve({ ok: false, cause: 'inconclusive', reason: 'the server is shutting down' });
			return;
		}
		if (this.busy || this.queue.length === 0) return;
		this.busy = true;
		// A moment for the other files asked for together (each first needs a stat and a read) to join this child.
		setTimeout(() => void this.runBatch(), BATCH_WINDOW_MS);
	}

	private async runBatch() {
		// In path order, so a batch (and which files a crash leaves for the next child) does not depend on which stat
		// finished first.
		const batch = this.queue.sort((a, b) => a.job.path.localeCompare(b.job.path));
		this.queue = [];
		const started = performance.now();
		this.children++;
		const request = { gpu: this.options.gpu, useMmap: this.options.useMmap, jobs: batch.map((p) => p.job) };
		const outcomes = await this.run(request, { timeoutMs: this.options.timeoutMs ?? 600_000, signal: this.closing.signal }).catch(
			(err: unknown) => batch.map((): CheckOutcome => ({ kind: 'inconclusive', why: err instanceof Error ? err.message : String(err) }))
		);
		this.options.logger.info({ files: batch.length, ms: Math.round(performance.now() - started) }, 'model load check finished');
		const again: Pending[] = [];
		for (const [i, pending] of batch.entries()) {
			const outcome = outcomes[i] ?? { kind: 'inconclusive', why: 'the check process did not report it' };
			if (outcome.kind === 'unreached') again.push(pending);
			else pending.resolve(await this.settle(pending, outcome));
		}
		this.queue = [...again, ...this.queue];
		this.busy = false;
		this.startBatch();
	}

	private async settle({ file, job }: Pending, outcome: Exclude<CheckOutcome, { kind: 'unreached' }>): Promise<CheckVerdict> {
		const { engine, logger } = this.options;
		switch (outcome.kind) {
			case 'passed':
				this.memo.add(file, engine);
				await this.options.passes
					.putPassed({ file, engine, passedAt: (this.options.now ?? Date.now)(), tookMs: outcome.ms })
					.catch((err: unknown) =>
						logger.error({ err, file: job.path }, 'could not store a model load check: the file is checked again after a restart')
					);
				return { ok: true, by: 'child' };
			case 'refused':
				return { ok: false, cause: 'load_failed', reason: `llama.cpp refused this file in a supervised check: ${outcome.error}` };
			case 'crashed':
				// Out of memory (a GPU already holding this server's models, say) says nothing about the file.
				if (OUT_OF_MEMORY.test(outcome.lastLine))
					return { ok: false, cause: 'inconclusive', reason: `the supervised check of its file ran out of memory: ${outcome.lastLine}` };
				return { ok: false, cause: 'crashed', reason: crashReason(outcome) };
			case 'inconclusive':
				logger.warn({ file: job.path, why: outcome.why }, 'model load check inconclusive');
				return { ok: false, cause: 'inconclusive', reason: `the supervised check of its file failed: ${outcome.why}` };
		}
	}
}

const BATCH_WINDOW_MS = 25;
const OUT_OF_MEMORY = /out of memory|failed to allocate|cudaMalloc|ErrorOutOfDeviceMemory/i;

/** For people, on the admin page: what happened to the child, and llama.cpp's last words. */
export function crashReason(outcome: Extract<CheckOutcome, { kind: 'crashed' }>): string {
	const said = outcome.lastLine ? `: ${outcome.lastLine}` : '';
	if (outcome.signal === 'SIGABRT') return `llama.cpp aborted while opening this file (SIGABRT) in a supervised check${said}`;
	if (outcome.signal) return `llama.cpp crashed while opening this file (${outcome.signal}) in a supervised check${said}`;
	return `the process opening this file in a supervised check exited with code ${outcome.code}${said}`;
}
