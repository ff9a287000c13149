// The admin page's pulls: a form that pulls any hf: URI or https GGUF URL (validated with the same schema as the
// server), and each pull's progress as people read it: bytes, speed and time left.
import { pullUriSchema, type PullState } from '../contract/admin';
import { formatBytes, formatMs } from '../contract/format';
import type { AdminConsole } from './admin-console.svelte';

export interface PullProgressView {
	modelId: string;
	status: PullState['status'];
	/** 0–1; null while the size is unknown. */
	fraction: number | null;
	text: string;
}

/** "512 KiB of 1.1 MiB · 300 KiB/s · 2.1 s left" (running), "1.1 MiB in 3.2 s" (done), or the error. */
export function pullProgress(p: PullState, now = Date.now()): PullProgressView {
	const fraction = p.totalBytes > 0 ? Math.min(1, p.downloadedBytes / p.totalBytes) : null;
	let text: string;
	if (p.status === 'failed') text = `failed: ${p.error ?? 'unknown error'}`;
	else if (p.status === 'done')
		text = `${formatBytes(p.totalBytes || p.downloadedBytes)} in ${formatMs((p.finishedAt ?? now) - p.startedAt)}`;
	else {
		const size = p.totalBytes > 0 ? `${formatBytes(p.downloadedBytes)} of ${formatBytes(p.totalBytes)}` : formatBytes(p.downloadedBytes);
		const speed = p.bytesPerSecond > 0 ? ` · ${formatBytes(p.bytesPerSecond)}/s` : '';
		const left =
			p.bytesPerSecond > 0 && p.totalBytes > 0 ? ` · ${formatMs(((p.totalBytes - p.downloadedBytes) / p.bytesPerSecond) * 1000)} left` : '';
		text = `${size}${speed}${left}`;
	}
	return { modelId: p.modelId, status: p.status, fraction, text };
}

export class ModelPulls {
	uri = $state('');
	error = $state<string | null>(null);
	readonly #admin: AdminConsole;

	constructor(admin: AdminConsole) {
		this.#admin = admin;
	}

	/** Newest first: running pulls, then finished ones. */
	get progress(): PullProgressView[] {
		return [...this.#admin.overview.pulls]
			.sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || b.startedAt - a.startedAt)
			.map((p) => pullProgress(p));
	}

	async submit() {
		const parsed = pullUriSchema.safeParse(this.uri);
		if (!parsed.success) {
			this.error = parsed.error.issues[0]?.message ?? 'Not a model URI';
			return;
		}
		this.error = null;
		if (await this.#admin.pull(parsed.data, 'uri')) this.uri = '';
	}
}
