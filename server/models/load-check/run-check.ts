// Runs check-child.js on a batch of model files and says, per file, what happened. llama.cpp aborts the process on
// some malformed files (GGML_ASSERT), so the files are opened there, not in the server: the child says "begin" before
// each file and reports it when done (synchronous writes on fd 3), so a child that dies is blamed on the one file
// it had begun, and the files after it were never tried.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export interface CheckJob {
	path: string;
	contextSize: number;
	threads: number;
	gpuLayers: number;
	parallelism: number;
}

export interface CheckRequest {
	/** The backend the server's binding uses (llama.gpu), so the child opens files the same way. */
	gpu: false | 'cuda' | 'vulkan' | 'metal';
	useMmap: boolean;
	jobs: CheckJob[];
}

export type CheckOutcome =
	| { kind: 'passed'; ms: number }
	/** llama.cpp threw (the server's own load would fail the same way). */
	| { kind: 'refused'; error: string }
	/** The child died on this file: a signal (SIGABRT from GGML_ASSERT) or a non-zero exit. */
	| { kind: 'crashed'; signal: NodeJS.Signals | null; code: number | null; lastLine: string }
	/** An earlier file of the batch crashed the child first: check it again. */
	| { kind: 'unreached' }
	/** Says nothing about the file: the child could not start, died before it began, or ran out of time. */
	| { kind: 'inconclusive'; why: string };

const childScript = fileURLToPath(new URL('./check-child.js', import.meta.url));

const reportLine = z.union([
	z.object({ i: z.number().int().min(0), begin: z.literal(true) }),
	z.object({ i: z.number().int().min(0), ok: z.literal(true), ms: z.number() }),
	z.object({ i: z.number().int().min(0), ok: z.literal(false), error: z.string() })
]);

/** The line of the child's output that says why it died: llama.cpp's assertion if there is one, without build paths. */
export function lastWords(output: string): string {
	const lines = output
		.split('\n')
		.map((l) => l.trim())
		.filter(Boolean);
	const line = lines.findLast((l) => /GGML_ASSERT|GGML_ABORT|error|fatal/i.test(l)) ?? lines.at(-1) ?? '';
	const withoutPath = line.replace(/^\S*\/([^/\s]+:\d+:)/, '$1');
	return withoutPath.length > 300 ? `${withoutPath.slice(0, 300)}…` : withoutPath;
}

/** Keeps the last `max` characters of a stream. */
function tail(max: number) {
	let text = '';
	return {
		add: (chunk: Buffer | string) => {
			text = (text + String(chunk)).slice(-max);
		},
		get text() {
			return text;
		}
	};
}

/** `signal` stops the child (the server is shutting down): its unreported files are inconclusive. */
export function runCheck(request: CheckRequest, options: { timeoutMs: number; signal?: AbortSignal }): Promise<CheckOutcome[]> {
	const outcomes: (CheckOutcome | undefined)[] = request.jobs.map(() => undefined);
	let begun = -1;
	const output = tail(16_384);
	// ulimit -c 0: an abort leaves no core file behind.
	const child = spawn('sh', ['-c', 'ulimit -c 0; exec "$0" "$@"', process.execPath, childScript, JSON.stringify(request)], {
		stdio: ['ignore', 'pipe', 'pipe', 'pipe']
	});
	child.stdout!.on('data', output.add);
	child.stderr!.on('data', output.add);
	let reports = '';
	(child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
		reports += String(chunk);
		let nl: number;
		while ((nl = reports.indexOf('\n')) >= 0) {
			const parsed = reportLine.safeParse(safeJson(reports.slice(0, nl)));
			reports = reports.slice(nl + 1);
			if (!parsed.success || parsed.data.i >= request.jobs.length) continue;
			const r = parsed.data;
			if ('begin' in r) begun = r.i;
			else outcomes[r.i] = r.ok ? { kind: 'passed', ms: r.ms } : { kind: 'refused', error: r.error };
		}
	});
	let stopped: string | undefined;
	const stop = (why: string) => {
		stopped ??= why;
		child.kill('SIGKILL');
	};
	const timer = setTimeout(() => stop(`the check did not finish within ${formatMs(options.timeoutMs)}`), options.timeoutMs);
	const onAbort = () => stop('the check was stopped: the server is shutting down');
	if (options.signal?.aborted) onAbort();
	options.signal?.addEventListener('abort', onAbort, { once: true });

	return new Promise((resolve) => {
		const finish = (died: { code: number | null; signal: NodeJS.Signals | null } | { error: string }) => {
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
			resolve(
				outcomes.map((outcome, i): CheckOutcome => {
					if (outcome) return outcome;
					if ('error' in died) return { kind: 'inconclusive', why: `the check process could not start (${died.error})` };
					if (stopped) return { kind: 'inconclusive', why: stopped };
					if (i === begun && (died.signal || died.code !== 0)) return { kind: 'crashed', ...died, lastLine: lastWords(output.text) };
					if (i > begun && begun >= 0) return { kind: 'unreached' };
					return {
						kind: 'inconclusive',
						why: `the check process stopped before opening the file: ${lastWords(output.text) || `exit ${died.signal ?? died.code}`}`
					};
				})
			);
		};
		child.once('error', (err) => finish({ error: err.message }));
		child.once('close', (code, signal) => finish({ code, signal }));
	});
}

const formatMs = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
