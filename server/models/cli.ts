// Models command line: npx tsx server/models/cli.ts list | pull <id|uri> | verify <file|id> [--load] | generate
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCatalog } from './catalog';
import { discoverModels, type ListedModel } from './discovery';
import { ensureGeneratedModels } from './generator/generate';
import { checkGguf } from './gguf/inspect';
import { defaultModelsDir } from './paths';
import { formatProgress, pullModel } from './pull';

export interface CliIo {
	stdout: { write(text: string): unknown };
	stderr: { write(text: string): unknown; isTTY?: boolean };
	env: NodeJS.ProcessEnv;
	signal?: AbortSignal;
}

const USAGE = `Usage: models <command> [options]
  list                      catalogue and discovered models: present, missing or invalid, with sizes
  pull <id|url|hf:uri>      download a model into the models folder (resumable; progress on stderr)
  verify <file|id> [--load] check a GGUF file without loading it (--load: also load it in llama.cpp)
  generate [--force] [id…]  build the generated models
Options:
  --models-dir <dir>        models folder (default: $MODELS_DIR or ./models)
  --hf-endpoint <url>       where hf: URIs resolve (default: $HF_ENDPOINT or https://huggingface.co)
  --json                    machine-readable output (list, verify)`;

interface ParsedArgs {
	command?: string;
	positional: string[];
	flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--models-dir', '--hf-endpoint']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
	const positional: string[] = [];
	const flags = new Map<string, string | true>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (VALUE_FLAGS.has(arg)) flags.set(arg, argv[++i] ?? '');
		else if (arg.startsWith('--')) flags.set(arg, true);
		else positional.push(arg);
	}
	return { command: positional.shift(), positional, flags };
}

function formatSize(bytes: number | undefined): string {
	if (bytes === undefined) return '-';
	return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(2)} MB`;
}

function listTable(models: ListedModel[]): string {
	const rows = models.map((m) => [
		m.id,
		m.status,
		m.status === 'missing' ? `(${formatSize(m.entry?.downloadSizeBytes)})` : formatSize(m.sizeBytes),
		m.entry ? `${m.entry.parameters.label} ${m.entry.quantization}` : '-',
		m.entry ? String(m.entry.contextSize) : '-',
		m.origin === 'catalog' ? (m.entry?.generated ? 'generated' : 'catalog') : 'discovered',
		m.problem ? m.problem.detail : m.status === 'missing' ? `pull with: models pull ${m.id}` : path.basename(m.path)
	]);
	const header = ['ID', 'STATUS', 'SIZE', 'PARAMS', 'CONTEXT', 'ORIGIN', 'NOTE'];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	return (
		[header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n'
	);
}

async function resolveFileArgument(target: string, modelsDir: string): Promise<string> {
	if (/\.gguf$/i.test(target) || target.includes('/') || target.includes(path.sep)) return path.resolve(target);
	const entry = (await loadCatalog(modelsDir)).find((e) => e.id === target);
	return entry ? entry.localPath : path.resolve(target);
}

/** Runs one CLI command and returns its exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
	const { command, positional, flags } = parseArgs(argv);
	const modelsDir = path.resolve((flags.get('--models-dir') as string | undefined) ?? defaultModelsDir(io.env));
	const json = flags.has('--json');
	const out = (text: string) => io.stdout.write(text);
	try {
		switch (command) {
			case 'list': {
				const models = await discoverModels(modelsDir);
				out(
					json
						? JSON.stringify(
								models.map(({ info, problem, ...m }) => ({ ...m, problem: problem?.message, architecture: info?.architecture })),
								null,
								2
							) + '\n'
						: listTable(models)
				);
				return 0;
			}
			case 'verify': {
				if (!positional[0]) break;
				const file = await resolveFileArgument(positional[0], modelsDir);
				const check = await checkGguf(file);
				if (!check.ok) {
					out(
						json
							? JSON.stringify({ ok: false, file, problem: check.error.problem, message: check.error.message }) + '\n'
							: `INVALID ${check.error.message}\n`
					);
					return 1;
				}
				const { info } = check;
				const summary = `OK ${file}\n  ${info.name ?? '(no name)'}: ${info.architecture}, ${info.parameterLabel} parameters, ${info.quantization}, context ${info.contextLength}, ${info.blockCount} layers, vocabulary ${info.vocabularySize}, ${formatSize(info.sizeBytes)}${info.hasChatTemplate ? ', chat template' : ''}\n`;
				if (flags.has('--load')) {
					const loaded = await loadOnce(file);
					const loadError = loaded.ok ? undefined : loaded.error;
					out(
						json
							? JSON.stringify({ ok: loaded.ok, file, loadError }) + '\n'
							: loaded.ok
								? `${summary}  loads in llama.cpp: yes (${loaded.ms} ms)\n`
								: `INVALID ${file}: llama.cpp refused it: ${loadError}\n`
					);
					return loaded.ok ? 0 : 1;
				}
				out(json ? JSON.stringify({ ok: true, file, info: { ...info, metadata: undefined } }) + '\n' : summary);
				return 0;
			}
			case 'pull': {
				if (!positional[0]) break;
				let lastDraw = 0;
				let drewDone = false;
				const result = await pullModel(positional[0], {
					modelsDir,
					hfEndpoint: (flags.get('--hf-endpoint') as string | undefined) ?? undefined,
					signal: io.signal,
					onProgress: (p) => {
						const now = Date.now();
						const done = p.totalBytes > 0 && p.downloadedBytes >= p.totalBytes;
						if (done ? drewDone : now - lastDraw < 100) return;
						drewDone = done;
						lastDraw = now;
						io.stderr.write(`\r${formatProgress(p)}`);
					}
				});
				if (lastDraw > 0) io.stderr.write('\n');
				out(
					`${result.path}\n  ${result.info.architecture}, ${result.info.parameterLabel} parameters, ${result.info.quantization}, ${formatSize(result.info.sizeBytes)}\n`
				);
				return 0;
			}
			case 'generate': {
				await ensureGeneratedModels(modelsDir, {
					force: flags.has('--force'),
					ids: positional.length > 0 ? positional : undefined,
					log: (line) => out(line + '\n')
				});
				return 0;
			}
			case undefined:
			case 'help':
				out(USAGE + '\n');
				return command ? 0 : 2;
		}
		io.stderr.write(`${command ? `Unknown or incomplete command "${[command, ...positional].join(' ')}"` : ''}\n${USAGE}\n`);
		return 2;
	} catch (error) {
		io.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
		return 1;
	}
}

/** Loads a model that has passed the metadata checks, to catch what only llama.cpp checks (e.g. value types). */
async function loadOnce(file: string): Promise<{ ok: true; ms: number } | { ok: false; error: string }> {
	const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
	const llama = await getLlama({ build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
	const started = performance.now();
	try {
		const model = await llama.loadModel({ modelPath: file });
		await model.dispose();
		return { ok: true, ms: Math.round(performance.now() - started) };
	} catch (error) {
		return { ok: false, error: error instanceof Error ? error.message : String(error) };
	} finally {
		await llama.dispose();
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
	const controller = new AbortController();
	process.once('SIGINT', () => controller.abort(new Error('Interrupted: run the same pull again to resume')));
	runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal }).then(
		(code) => process.exit(code)
	);
}
