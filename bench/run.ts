// Benchmark runner: `npm run bench` runs every suite, `npm run bench -- models fanout` runs the named ones.
// Each suite is bench/<name>.bench.ts exporting `run(): Promise<Record<string, unknown>>`; its result is written to
// bench/results/<name>.json together with the machine it ran on.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');

async function availableSuites(): Promise<string[]> {
	const files = await readdir(benchDir);
	return files
		.filter((f) => f.endsWith('.bench.ts'))
		.map((f) => f.replace(/\.bench\.ts$/, ''))
		.sort();
}

function machine() {
	return {
		cpu: os.cpus()[0]?.model ?? 'unknown',
		cores: os.cpus().length,
		memory_gib: Math.round(os.totalmem() / 2 ** 30),
		node: process.version,
		platform: `${process.platform}-${process.arch}`
	};
}

async function main() {
	const suites = await availableSuites();
	const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
	const unknown = requested.filter((name) => !suites.includes(name));
	if (unknown.length > 0) {
		console.error(`Unknown benchmark suite(s): ${unknown.join(', ')}. Available: ${suites.join(', ')}`);
		process.exit(2);
	}
	await mkdir(resultsDir, { recursive: true });
	for (const name of requested.length > 0 ? requested : suites) {
		console.log(`▶ bench ${name}`);
		const mod = (await import(pathToFileURL(path.join(benchDir, `${name}.bench.ts`)).href)) as {
			run: () => Promise<Record<string, unknown>>;
		};
		const started = new Date().toISOString();
		const result = await mod.run();
		const file = path.join(resultsDir, `${name}.json`);
		await writeFile(file, JSON.stringify({ suite: name, started, machine: machine(), ...result }, null, 2) + '\n');
		console.log(`✔ ${name} → ${path.relative(process.cwd(), file)}`);
	}
	reportLingeringHandles();
}

/**
 * Every suite must close what it opened; one that leaves a server, socket or timer behind would keep this process
 * alive forever after its JSON is written. Name such leftovers (so the leak gets fixed) and end the run anyway.
 */
function reportLingeringHandles() {
	// The terminal and files still closing are not leaks.
	const lingering = process.getActiveResourcesInfo().filter((r) => !['TTYWrap', 'PipeWrap', 'CloseReq'].includes(r));
	if (lingering.length > 0) console.warn(`bench: suites left open handles behind: ${lingering.join(', ')}`);
}

main().then(
	() => process.exit(0),
	(err) => {
		console.error(err);
		process.exit(1);
	}
);
