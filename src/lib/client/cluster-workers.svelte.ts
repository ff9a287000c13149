// The admin page's list of inference workers (GET /api/admin/workers), refreshed while the page is open.
import type { WorkerState } from '../contract/cluster';
import { getJson, type Fetch } from './http';

export class ClusterWorkers {
	clustered = $state(false);
	workers = $state<WorkerState[]>([]);
	error = $state<string | null>(null);

	constructor(private readonly fetcher: Fetch = fetch) {}

	async refresh(): Promise<void> {
		try {
			const answer = await getJson<{ clustered: boolean; workers: WorkerState[] }>(this.fetcher, '/api/admin/workers');
			this.clustered = answer.clustered;
			this.workers = answer.workers;
			this.error = null;
		} catch (err) {
			this.error = err instanceof Error ? err.message : 'Could not read the workers';
		}
	}

	/** Polls every `everyMs` until the returned function is called. */
	watch(everyMs = 5_000): () => void {
		void this.refresh();
		const timer = setInterval(() => void this.refresh(), everyMs);
		return () => clearInterval(timer);
	}
}
