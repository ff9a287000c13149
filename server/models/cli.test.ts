// The models CLI, in-process (runCli) and once through its real entry point. `pull` downloads from a local
// node:http server on 127.0.0.1 that supports Range requests: no external network, ever.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli';
import { testGgufFile, writeTestGguf } from '../../tests/helpers/gguf-files';
import { encodeGguf } from './generator/writer';
import { repoRoot } from './paths';

/** A file server that answers HEAD and (ranged) GET. With `stall` set, a request for a big file's first bytes
 * sends 1 MB and then hangs until the client goes away, so a download can be interrupted at a known point. */
function startFileServer(files: Map<string, Buffer>) {
	const requests: { path: string; range?: string; bytes: number }[] = [];
	const state = { stall: false };
	const server = http.createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const data = files.get(url.pathname);
		const record = { path: url.pathname, range: req.headers.range, bytes: 0 };
		if (req.method === 'GET') requests.push(record);
		if (!data) return void res.writeHead(404).end();
		const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
		const start = range ? Number(range[1]) : 0;
		const end = range?.[2] ? Number(range[2]) : data.length - 1;
		res.writeHead(range ? 206 : 200, {
			'Content-Length': end - start + 1,
			'Accept-Ranges': 'bytes',
			...(range ? { 'Content-Range': `bytes ${start}-${end}/${data.length}` } : {})
		});
		if (req.method === 'HEAD') return void res.end();
		const closed = new Promise((resolve) => res.once('close', resolve));
		for (let at = start; at <= end && !res.destroyed; at += 256 * 1024) {
			if (state.stall && start === 0 && at >= 1 << 20) return void (await closed);
			const chunk = data.subarray(at, Math.min(at + 256 * 1024, end + 1));
			res.write(chunk);
			record.bytes += chunk.length;
			await new Promise((resolve) => setImmediate(resolve));
		}
		res.end();
	});
	return new Promise<{ url: string; requests: typeof requests; state: typeof state; close: () => Promise<void> }>((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			resolve({
				url: `http://127.0.0.1:${port}`,
				requests,
				state,
				close: () => {
					server.closeAllConnections();
					return new Promise((done) => server.close(() => done()));
				}
			});
		});
	});
}

/** ipull keeps a resumable download in <file>.ipull, with its chunk table as JSON after the file's bytes. */
async function completedChunks(partialFile: string, size: number): Promise<number[]> {
	const tail = await readFile(partialFile).then(
		(b) => b.subarray(size).toString('utf8'),
		() => ''
	);
	const chunks = /"chunks":\[([\d,]*)\]/.exec(tail)?.[1].split(',').map(Number) ?? [];
	return chunks.flatMap((status, index) => (status === 2 ? [index] : []));
}

function capture(signal?: AbortSignal) {
	let stdout = '',
		stderr = '';
	return {
		io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, signal },
		get stdout() {
			return stdout;
		},
		get stderr() {
			return stderr;
		}
	};
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const small = encodeGguf(testGgufFile({ name: 'Served Small' }));
const big = encodeGguf(testGgufFile({ name: 'Served Big', padValues: 2_000_000 })); // 8 MB: two 5 MB download chunks
const broken = encodeGguf(testGgufFile({ omit: ['llama.feed_forward_length'] }));
let server: Awaited<ReturnType<typeof startFileServer>>;
let modelsDir: string;

beforeAll(async () => {
	server = await startFileServer(
		new Map([
			['/files/small.gguf', small],
			['/files/big.gguf', big],
			['/files/broken.gguf', broken],
			['/acme/Small-GGUF/resolve/main/small.Q8_0.gguf', small]
		])
	);
});
afterAll(async () => server.close());
beforeEach(async () => {
	modelsDir = await mkdtemp(path.join(os.tmpdir(), 'sy-cli-'));
	server.requests.length = 0;
	return () => rm(modelsDir, { recursive: true, force: true });
});

const catalogWith = (source: string) =>
	JSON.stringify({
		version: 1,
		models: [
			{
				id: 'acme-small',
				displayName: 'Acme Small',
				source,
				family: 'acme',
				architecture: 'llama',
				parameters: { label: '1K', count: 1000 },
				quantization: 'Q8_0',
				contextSize: 256,
				capabilities: ['chat'],
				quality: { chat: 0.2 },
				threads: 1,
				gpuLayers: 0
			}
		]
	});

describe('models pull', () => {
	it('downloads a GGUF by URL with a progress bar on stderr and checks it', async () => {
		const out = capture();
		expect(await runCli(['pull', `${server.url}/files/small.gguf`, '--models-dir', modelsDir], out.io)).toBe(0);
		const file = path.join(modelsDir, 'small.gguf');
		expect(sha(await readFile(file))).toBe(sha(small));
		expect(out.stdout).toContain(file);
		expect(out.stdout).toMatch(/llama, 4\.8K parameters, F32, 0\.03 MB/);
		expect(out.stderr).toMatch(/100% \[#{24}\] 0\.0\/0\.0 MB/);
	});

	it('pulls a catalogue id whose hf: source resolves against the configured endpoint', async () => {
		await writeFile(path.join(modelsDir, 'catalog.json'), catalogWith('hf:acme/Small-GGUF/small.Q8_0.gguf'));
		const out = capture();
		expect(await runCli(['pull', 'acme-small', '--models-dir', modelsDir, '--hf-endpoint', server.url], out.io)).toBe(0);
		expect(sha(await readFile(path.join(modelsDir, 'small.Q8_0.gguf')))).toBe(sha(small));
		expect(server.requests.map((r) => r.path)).toContain('/acme/Small-GGUF/resolve/main/small.Q8_0.gguf');
		const list = capture();
		await runCli(['list', '--models-dir', modelsDir, '--json'], list.io);
		expect(JSON.parse(list.stdout)).toMatchObject([{ id: 'acme-small', status: 'present', origin: 'catalog' }]);
	});

	it('resumes an interrupted download instead of starting over', async () => {
		const controller = new AbortController();
		const first = capture(controller.signal);
		const url = `${server.url}/files/big.gguf`;
		// Interrupt once the second 5 MB chunk is saved, while the first one hangs half-way.
		server.state.stall = true;
		const watcher = setInterval(async () => {
			if ((await completedChunks(path.join(modelsDir, 'big.gguf.ipull'), big.length)).includes(1)) controller.abort(new Error('cut'));
		}, 10);
		try {
			expect(await runCli(['pull', url, '--models-dir', modelsDir], first.io)).toBe(1);
		} finally {
			clearInterval(watcher);
			server.state.stall = false;
		}
		expect(first.stderr).toContain('cut');
		expect(server.requests.map((r) => r.range)).toContain(`bytes=5242880-${big.length - 1}`);
		expect((await readdir(modelsDir)).some((f) => f.endsWith('.ipull'))).toBe(true); // partial file kept

		server.requests.length = 0;
		const second = capture();
		expect(await runCli(['pull', url, '--models-dir', modelsDir], second.io)).toBe(0);
		expect(sha(await readFile(path.join(modelsDir, 'big.gguf')))).toBe(sha(big));
		// The downloader probes with a plain GET, then fetches ranges: only the unfinished first chunk is fetched again.
		const ranges = server.requests.filter((r) => r.range).map((r) => r.range);
		expect(ranges).toEqual(['bytes=0-5242879']);
		expect(await readdir(modelsDir)).toEqual(['big.gguf']);
	});

	it('rejects a download that fails the GGUF checks, and unknown ids', async () => {
		const out = capture();
		expect(await runCli(['pull', `${server.url}/files/broken.gguf`, '--models-dir', modelsDir], out.io)).toBe(1);
		expect(out.stderr).toMatch(/failed its checks: .*broken\.gguf: required key llama\.feed_forward_length is missing/);
		await writeFile(path.join(modelsDir, 'catalog.json'), catalogWith('hf:acme/Small-GGUF/small.Q8_0.gguf'));
		const unknown = capture();
		expect(await runCli(['pull', 'gpt-17', '--models-dir', modelsDir], unknown.io)).toBe(1);
		expect(unknown.stderr).toMatch(/Unknown model "gpt-17"\. Use a catalogue id \(acme-small\)/);
	});
});

describe('models list and verify', () => {
	it('lists catalogue models and discovered files with status and size', async () => {
		await writeFile(path.join(modelsDir, 'catalog.json'), catalogWith('hf:acme/Small-GGUF/small.Q8_0.gguf'));
		await writeTestGguf(path.join(modelsDir, 'dropped.gguf'), { name: 'Dropped' });
		await writeFile(path.join(modelsDir, 'junk.gguf'), 'not a model');
		const out = capture();
		expect(await runCli(['list', '--models-dir', modelsDir], out.io)).toBe(0);
		const lines = out.stdout.trim().split('\n');
		expect(lines[0]).toMatch(/^ID\s+STATUS\s+SIZE\s+PARAMS\s+CONTEXT\s+ORIGIN\s+NOTE$/);
		expect(lines.find((l) => l.startsWith('acme-small'))).toMatch(/missing .*pull with: models pull acme-small/);
		expect(lines.find((l) => l.startsWith('dropped'))).toMatch(/present\s+0\.03 MB\s+4\.8K F32\s+256\s+discovered\s+dropped\.gguf/);
		expect(lines.find((l) => l.startsWith('junk'))).toMatch(/invalid .*not a GGUF file/);
	});

	it('verifies good and bad files with the right exit codes', async () => {
		const good = path.join(modelsDir, 'good.gguf');
		await writeTestGguf(good, { name: 'Good One' });
		const ok = capture();
		expect(await runCli(['verify', good], ok.io)).toBe(0);
		expect(ok.stdout).toMatch(/^OK .*good\.gguf\n {2}Good One: llama, \S+ parameters, F32, context 256/);
		const bad = path.join(modelsDir, 'bad.gguf');
		await writeTestGguf(bad, { omit: ['llama.attention.head_count'] });
		const no = capture();
		expect(await runCli(['verify', bad, '--json'], no.io)).toBe(1);
		expect(JSON.parse(no.stdout)).toEqual({
			ok: false,
			file: bad,
			problem: 'missing-key',
			message: `${bad}: required key llama.attention.head_count is missing`
		});
		expect(await runCli([], capture().io)).toBe(2);
		expect(await runCli(['verify'], capture().io)).toBe(2);
	});

	it('runs as a script: npx tsx server/models/cli.ts verify <file> --load', async () => {
		const file = path.join(modelsDir, 'script.gguf');
		await writeTestGguf(file, { name: 'Script Test' });
		const { stdout } = await promisify(execFile)(
			process.execPath,
			['--import', 'tsx', path.join(repoRoot, 'server/models/cli.ts'), 'verify', file, '--load'],
			{ cwd: repoRoot }
		);
		expect(stdout).toMatch(/^OK .*script\.gguf[\s\S]*loads in llama\.cpp: yes/);
	});
});
