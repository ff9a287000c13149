// Downloads a model (catalogue id, http(s) URL or hf: URI) into the models folder with node-llama-cpp's
// resumable downloader, then checks the file before anyone can load it.
import { createModelDownloader } from 'node-llama-cpp';
import { loadCatalog, localFileName, type CatalogEntry } from './catalog';
import { checkGguf, type GgufModelInfo } from './gguf/inspect';
import { ensureGeneratedModels } from './generator/generate';

export interface PullProgress {
	totalBytes: number;
	downloadedBytes: number;
	bytesPerSecond: number;
}

export interface PullOptions {
	modelsDir: string;
	/** Base URL that hf: URIs resolve against (default https://huggingface.co/, or HF_ENDPOINT). */
	hfEndpoint?: string;
	signal?: AbortSignal;
	onProgress?: (progress: PullProgress) => void;
	/** Catalogue to resolve ids against (default: <modelsDir>/catalog.json). */
	catalog?: CatalogEntry[];
	/** Where a URI's file goes (default: the models folder) and its name there (default: the downloader's choice). */
	dirPath?: string;
	fileName?: string;
}

export interface PullResult {
	path: string;
	info: GgufModelInfo;
	/** The catalogue entry when the target was a catalogue id. */
	entry?: CatalogEntry;
}

export class PullError extends Error {
	override readonly name = 'PullError';
}

export function isModelUri(target: string): boolean {
	return /^(https?:\/\/|hf:|huggingface:)/i.test(target);
}

export async function pullModel(target: string, options: PullOptions): Promise<PullResult> {
	const { modelsDir } = options;
	let entry: CatalogEntry | undefined;
	if (!isModelUri(target)) {
		const catalog = options.catalog ?? (await loadCatalog(modelsDir));
		entry = catalog.find((e) => e.id === target);
		if (!entry)
			throw new PullError(
				`Unknown model "${target}". Use a catalogue id (${catalog.map((e) => e.id).join(', ')}), an http(s) URL or an hf: URI.`
			);
		if (entry.generated) {
			// Generated models are built, not downloaded.
			await ensureGeneratedModels(modelsDir, { ids: [entry.id] });
			return { path: entry.localPath, info: await verified(entry.localPath), entry };
		}
	}

	const uri = entry?.remoteUri ?? target;
	const started = performance.now();
	let resumedFrom: number | undefined;
	function speedometer(totalBytes: number, downloadedBytes: number): PullProgress {
		resumedFrom ??= downloadedBytes; // bytes already on disk from an interrupted pull do not count as speed
		const seconds = (performance.now() - started) / 1000;
		return { totalBytes, downloadedBytes, bytesPerSecond: seconds > 0 ? (downloadedBytes - resumedFrom) / seconds : 0 };
	}
	const downloader = await createModelDownloader({
		modelUri: uri,
		dirPath: entry ? modelsDir : (options.dirPath ?? modelsDir),
		fileName: entry ? localFileName(entry) : options.fileName,
		showCliProgress: false,
		// Keep the partial file on cancel so running the same pull again resumes it.
		deleteTempFileOnCancel: false,
		skipExisting: true,
		endpoints: options.hfEndpoint ? { huggingFace: options.hfEndpoint } : undefined,
		onProgress: options.onProgress ? (s) => options.onProgress!(speedometer(s.totalSize, s.downloadedSize)) : undefined
	});
	const path = await downloader.download({ signal: options.signal });
	// A cancelled download resolves rather than throws; the partial file stays for the next pull to resume.
	if (options.signal?.aborted) throw options.signal.reason ?? new PullError('Download cancelled');
	return { path, info: await verified(path), entry };
}

async function verified(path: string): Promise<GgufModelInfo> {
	const check = await checkGguf(path);
	if (!check.ok) throw new PullError(`Downloaded file failed its checks: ${check.error.message}`);
	return check.info;
}

/** One line of a text progress bar, e.g. " 42% [########------------] 1.8/4.4 MB  3.2 MB/s" */
export function formatProgress({ totalBytes, downloadedBytes, bytesPerSecond }: PullProgress, width = 24): string {
	const fraction = totalBytes > 0 ? Math.min(1, downloadedBytes / totalBytes) : 0;
	const filled = Math.round(fraction * width);
	const mb = (n: number) => (n / 1e6).toFixed(1);
	return `${String(Math.floor(fraction * 100)).padStart(3)}% [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${mb(downloadedBytes)}/${mb(totalBytes)} MB  ${mb(bytesPerSecond)} MB/s`;
}
