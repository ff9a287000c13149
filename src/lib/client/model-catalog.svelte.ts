// The models a run can use: `auto` (the orchestrator picks) first, then every model whose file is present.
import { getJson, type Fetch } from './http';

export class ModelCatalog {
	ids = $state<string[]>(['auto']);
	loaded = $state(false);
	error = $state<string | null>(null);
	readonly #fetch: Fetch;

	constructor(fetcher: Fetch = (...args) => fetch(...args)) {
		this.#fetch = fetcher;
	}

	/** Concrete models (without `auto`), e.g. for compare mode. */
	get models(): string[] {
		return this.ids.filter((id) => id !== 'auto');
	}

	async load() {
		try {
			const body = await getJson<{ data: { id: string }[] }>(this.#fetch, '/v1/models');
			const ids = body.data.map((m) => m.id).filter((id) => id !== 'auto');
			this.ids = ['auto', ...ids];
			this.error = null;
		} catch (err) {
			this.error = err instanceof Error ? err.message : String(err);
		} finally {
			this.loaded = true;
		}
	}
}
