// Room page JavaScript: builds the client (vite build) and reports, gzipped, what the browser fetches to show a
// room (the SvelteKit entry, the layouts' and the page's static imports) against what arrives later through dynamic
// imports (graph, charts, editor, Markdown rendering). The baseline from the same build is the page's whole
// JavaScript, which is what it would fetch up front without the split.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.join(root, '.svelte-kit', 'output');
const ROUTE = '/rooms/[id]';
const GOAL_INITIAL_GZIP_BYTES = 150 * 1024;

interface ManifestChunk {
	file: string;
	src?: string;
	imports?: string[];
	dynamicImports?: string[];
	isEntry?: boolean;
}
type Manifest = Record<string, ManifestChunk>;

/** The layout and leaf node indices SvelteKit loads for a route, read from the server manifest. */
export function routeNodes(serverManifest: string, routeId: string): number[] {
	const at = serverManifest.indexOf(`id: ${JSON.stringify(routeId)}`);
	if (at < 0) throw new Error(`Route ${routeId} is not in the build`);
	const page = /page: \{ layouts: \[([\d,\s]*)\], errors: \[[\d,\s]*\], leaf: (\d+) \}/.exec(serverManifest.slice(at));
	if (!page) throw new Error(`Route ${routeId} has no page in the build`);
	const layouts = page[1]
		.split(',')
		.filter((s) => s.trim() !== '')
		.map(Number);
	return [...layouts, Number(page[2])];
}

const isRouteNode = (key: string) => /generated\/client-optimized\/nodes\/\d+\.js$/.test(key);

/**
 * Splits a page's chunks into those fetched before it renders (static imports from the entries and its nodes) and
 * those fetched later (dynamic imports from them, with their own static imports). SvelteKit's app entry imports every
 * route's node dynamically: those belong to other pages and are not followed.
 */
export function splitChunks(manifest: Manifest, startKeys: string[]) {
	const initial = new Set<string>();
	const visit = (key: string) => {
		if (initial.has(key)) return;
		initial.add(key);
		for (const k of manifest[key].imports ?? []) visit(k);
	};
	startKeys.forEach(visit);
	const later = new Map<string, string>(); // chunk key → the dynamic import that brings it
	const visitLater = (key: string, via: string) => {
		if (initial.has(key) || later.has(key)) return;
		later.set(key, via);
		for (const k of manifest[key].imports ?? []) visitLater(k, via);
		for (const k of manifest[key].dynamicImports ?? []) if (!isRouteNode(k)) visitLater(k, k);
	};
	for (const key of initial) for (const k of manifest[key].dynamicImports ?? []) if (!isRouteNode(k)) visitLater(k, k);
	return { initial: [...initial], later };
}

const kib = (bytes: number) => Number((bytes / 1024).toFixed(1));
const label = (key: string) => path.basename(key.replace(/\?.*$/, ''));

export async function run() {
	if (process.env.BENCH_BUNDLE_SKIP_BUILD !== '1') {
		execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], {
			cwd: root,
			stdio: 'inherit'
		});
	}
	const clientDir = path.join(output, 'client');
	const manifest = JSON.parse(await readFile(path.join(clientDir, '.vite', 'manifest.json'), 'utf8')) as Manifest;
	const nodes = routeNodes(await readFile(path.join(output, 'server', 'manifest.js'), 'utf8'), ROUTE);
	const keyOf = (predicate: (c: ManifestChunk, key: string) => boolean) => {
		const key = Object.keys(manifest).find((k) => predicate(manifest[k], k));
		if (!key) throw new Error('The client build lacks an expected entry');
		return key;
	};
	const startKeys = [
		keyOf((c) => c.file.startsWith('_app/immutable/entry/start.')),
		keyOf((c) => c.file.startsWith('_app/immutable/entry/app.')),
		...nodes.map((n) => keyOf((_, k) => k.endsWith(`generated/client-optimized/nodes/${n}.js`)))
	];
	const { initial, later } = splitChunks(manifest, startKeys);
	const gzipped = async (key: string) => gzipSync(await readFile(path.join(clientDir, manifest[key].file))).length;

	let initialBytes = 0;
	for (const key of initial) initialBytes += await gzipped(key);
	const lazy: Record<string, number> = {};
	let laterBytes = 0;
	for (const [key, via] of later) {
		const bytes = await gzipped(key);
		laterBytes += bytes;
		lazy[label(via)] = (lazy[label(via)] ?? 0) + bytes;
	}
	const total = initialBytes + laterBytes;
	return {
		notes: 'sizes are gzip (zlib default level) of the built client chunks; sizes do not depend on the machine',
		route: ROUTE,
		room_page_js_gzip_kib: {
			initial: kib(initialBytes),
			initial_chunks: initial.length,
			later: kib(laterBytes),
			later_by_dynamic_import: Object.fromEntries(Object.entries(lazy).map(([k, v]) => [k, kib(v)])),
			baseline_all_up_front: kib(total)
		},
		goal: 'initial <= 150 KiB gzipped before the graph and charts load',
		met: initialBytes <= GOAL_INITIAL_GZIP_BYTES
	};
}
