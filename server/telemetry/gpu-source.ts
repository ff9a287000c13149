// GPU readings from one long-lived `nvidia-smi --query-gpu=... -lms <interval>` child: spawning nvidia-smi once per
// sample costs far more than letting it loop. We keep the latest line per GPU, restart the child with exponential
// backoff if it dies, and say plainly when there is no nvidia-smi at all.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { silentLogger, type Logger } from '../logger';
import { nvidiaSmiArgs, parseInvalidFieldError, parseNvidiaSmiLine, isHeaderLine } from './nvidia-smi';
import type { GpuReport, GpuSample, LlamaVram } from '../../src/lib/contract/telemetry';

export const NVIDIA_SMI_NOT_FOUND = 'nvidia-smi not found';

export interface GpuSourceOptions {
	/** Program name looked up on PATH, or a path. Tests point this at a fake script. */
	binary?: string;
	/** PATH used for the lookup (defaults to process.env.PATH). */
	pathEnv?: string;
	/** nvidia-smi's own loop interval (-lms). */
	intervalMs?: number;
	/** First restart delay; doubles per quick death up to maxBackoffMs. */
	initialBackoffMs?: number;
	maxBackoffMs?: number;
	/** A child that lived this long before dying counts as healthy: the next restart starts from initialBackoffMs. */
	stableAfterMs?: number;
	/** Samples older than this are dropped from reports rather than shown as current. */
	staleAfterMs?: number;
	/** node-llama-cpp's `llama.getVramState()`, if the app has a Llama instance. */
	readLlamaVram?: () => Promise<LlamaVram>;
	logger?: Logger;
	/** Observes the child's life cycle (tests, debug logs). */
	onEvent?: (event: GpuSourceEvent) => void;
}

export type GpuSourceEvent =
	| { type: 'spawn'; pid: number | undefined }
	| { type: 'exit'; code: number | null; signal: NodeJS.Signals | null }
	| { type: 'restart-scheduled'; delayMs: number; attempt: number }
	| { type: 'gave-up'; reason: string };

export interface GpuSource {
	/** Current view: latest fresh sample per GPU (by index), or why there is none. */
	read(): Promise<GpuReport>;
	/** Stops the child and any pending restart; resolves once the child has exited. */
	close(): Promise<void>;
}

/** Resolves a program like `which` does; a name with a slash is checked as a path. */
export function findExecutable(binary: string, pathEnv = process.env.PATH ?? ''): string | null {
	const candidates = binary.includes('/')
		? [binary]
		: pathEnv
				.split(path.delimiter)
				.filter(Boolean)
				.map((dir) => path.join(dir, binary));
	for (const candidate of candidates) {
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// not here (or not executable): try the next directory
		}
	}
	return null;
}

/** Starts nvidia-smi at once (when found); call close() on shutdown. */
export function createGpuSource(options: GpuSourceOptions = {}): GpuSource {
	const intervalMs = options.intervalMs ?? 1000;
	const initialBackoffMs = options.initialBackoffMs ?? 500;
	const maxBackoffMs = options.maxBackoffMs ?? 30_000;
	const stableAfterMs = options.stableAfterMs ?? 30_000;
	const staleAfterMs = options.staleAfterMs ?? Math.max(5_000, 3 * intervalMs);
	const logger = options.logger ?? silentLogger();
	const emit = options.onEvent ?? (() => {});

	const executable = findExecutable(options.binary ?? 'nvidia-smi', options.pathEnv);
	const latest = new Map<number, { sample: GpuSample; receivedAt: number }>();
	let child: ChildProcess | null = null;
	let childExited: Promise<void> = Promise.resolve();
	let restartTimer: NodeJS.Timeout | null = null;
	let closed = false;
	let attempt = 0;
	/** Set when restarting cannot help (unknown field, binary vanished); reported as the reason. */
	let fatalReason: string | null = executable ? null : NVIDIA_SMI_NOT_FOUND;
	let lastProblem: string | null = null;

	function handleLine(line: string) {
		if (line.trim() === '' || isHeaderLine(line)) return;
		const invalidField = parseInvalidFieldError(line);
		if (invalidField) {
			fatalReason = `nvidia-smi rejected the query: field "${invalidField}" is not valid for this driver`;
			return;
		}
		try {
			const sample = parseNvidiaSmiLine(line);
			latest.set(sample.index, { sample, receivedAt: Date.now() });
			lastProblem = null;
		} catch (err) {
			lastProblem = err instanceof Error ? err.message : String(err);
			logger.warn({ line }, 'unparseable nvidia-smi line');
		}
	}

	function spawnChild() {
		if (closed || fatalReason || !executable) return;
		const startedAt = Date.now();
		const proc = spawn(executable, nvidiaSmiArgs(intervalMs), { stdio: ['ignore', 'pipe', 'pipe'] });
		child = proc;
		emit({ type: 'spawn', pid: proc.pid });
		createInterface({ input: proc.stdout! }).on('line', handleLine);
		// nvidia-smi writes some errors to stderr; the invalid-field check looks at both streams.
		createInterface({ input: proc.stderr! }).on('line', (line) => {
			if (parseInvalidFieldError(line)) handleLine(line);
			else if (line.trim()) lastProblem = `nvidia-smi: ${line.trim()}`;
		});
		childExited = new Promise((resolve) => {
			// A failed spawn emits 'error' and then (usually) 'close'; whichever comes first ends this child.
			let ended = false;
			const end = (code: number | null, signal: NodeJS.Signals | null) => {
				if (ended) return;
				ended = true;
				onExit(code, signal, startedAt, resolve);
			};
			proc.once('error', (err: NodeJS.ErrnoException) => {
				if (err.code === 'ENOENT') fatalReason = NVIDIA_SMI_NOT_FOUND;
				else lastProblem = `nvidia-smi could not start: ${err.message}`;
				if (proc.pid === undefined) end(null, null);
			});
			proc.once('close', end);
		});
	}

	function onExit(code: number | null, signal: NodeJS.Signals | null, startedAt: number, done: () => void) {
		child = null;
		done();
		emit({ type: 'exit', code, signal });
		if (closed) return;
		if (fatalReason) {
			logger.error({ code, reason: fatalReason }, 'nvidia-smi stopped for good');
			emit({ type: 'gave-up', reason: fatalReason });
			return;
		}
		if (Date.now() - startedAt >= stableAfterMs) attempt = 0;
		const delayMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** attempt);
		attempt += 1;
		lastProblem = `nvidia-smi exited (code ${code}, signal ${signal}); restarting`;
		logger.warn({ code, signal, delayMs, attempt }, 'nvidia-smi exited; restarting');
		emit({ type: 'restart-scheduled', delayMs, attempt });
		restartTimer = setTimeout(() => {
			restartTimer = null;
			spawnChild();
		}, delayMs);
		restartTimer.unref();
	}

	async function readLlamaVram(): Promise<LlamaVram | null> {
		if (!options.readLlamaVram) return null;
		try {
			return await options.readLlamaVram();
		} catch (err) {
			logger.warn({ err }, 'getVramState failed');
			return null;
		}
	}

	spawnChild();

	return {
		async read() {
			const llamaVram = await readLlamaVram();
			if (fatalReason) return { available: false, reason: fatalReason, llamaVram };
			const freshAfter = Date.now() - staleAfterMs;
			const gpus = [...latest.values()]
				.filter((entry) => entry.receivedAt >= freshAfter)
				.map((entry) => entry.sample)
				.sort((a, b) => a.index - b.index);
			if (gpus.length === 0) {
				const quiet = latest.size > 0 ? `no nvidia-smi sample in the last ${staleAfterMs} ms` : 'waiting for the first nvidia-smi sample';
				return { available: false, reason: lastProblem ?? quiet, llamaVram };
			}
			return { available: true, gpus, llamaVram };
		},
		async close() {
			closed = true;
			if (restartTimer) clearTimeout(restartTimer);
			restartTimer = null;
			const running = child;
			if (running) {
				running.kill('SIGTERM');
				// nvidia-smi exits on SIGTERM at once; SIGKILL only guards against a wedged driver call.
				const killTimer = setTimeout(() => running.kill('SIGKILL'), 2_000);
				killTimer.unref();
				await childExited;
				clearTimeout(killTimer);
			}
		}
	};
}
