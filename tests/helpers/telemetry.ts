// Test support: fixture paths and fake nvidia-smi programs.
// No GPU exists on the machines that run the tests, so a tiny script that replays nvidia-smi output captured on a
// real H100 (fixtures/) stands in for the binary. It exercises the same spawn / line-reading / restart code paths.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../server/telemetry/fixtures');

export function readFixture(name: string): string {
	return readFileSync(path.join(FIXTURES_DIR, name), 'utf8');
}

export interface FakeNvidiaSmi {
	/** Absolute path of the executable script. */
	binary: string;
	/** Directory holding it, usable as a PATH entry. */
	dir: string;
	/** One line per start: the arguments it was given, space-joined. */
	invocations(): string[];
}

export interface FakeBehaviour {
	/** Lines written to stdout at start. */
	stdout?: string;
	/** Lines written to stderr at start. */
	stderr?: string;
	/** Exit code after writing; null = keep running, re-printing stdout every repeatMs. */
	exitCode: number | null;
	repeatMs?: number;
}

/** Writes an executable node script named nvidia-smi into a fresh temp dir. */
export function createFakeNvidiaSmi(behaviour: FakeBehaviour): FakeNvidiaSmi {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-nvidia-smi-'));
	const binary = path.join(dir, 'nvidia-smi');
	const log = path.join(dir, 'invocations.log');
	const script = `#!${process.execPath}
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(log)}, process.argv.slice(2).join(' ') + '\\n');
const behaviour = ${JSON.stringify(behaviour)};
if (behaviour.stderr) process.stderr.write(behaviour.stderr);
if (behaviour.stdout) process.stdout.write(behaviour.stdout);
if (behaviour.exitCode === null) {
	setInterval(() => behaviour.stdout && process.stdout.write(behaviour.stdout), behaviour.repeatMs ?? 100);
} else {
	process.exitCode = behaviour.exitCode;
}
`;
	writeFileSync(binary, script);
	chmodSync(binary, 0o755);
	return {
		binary,
		dir,
		invocations() {
			try {
				return readFileSync(log, 'utf8').split('\n').filter(Boolean);
			} catch {
				return [];
			}
		}
	};
}

/** An empty directory: a PATH in which nvidia-smi cannot be found. */
export function emptyPathDir(): string {
	return mkdtempSync(path.join(os.tmpdir(), 'empty-path-'));
}
