// Small JSON helpers over fetch for the room's REST reads (runs, models). The fetch is injectable for tests.
export type Fetch = typeof fetch;

export class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

export async function getJson<T>(fetcher: Fetch, url: string): Promise<T> {
	const res = await fetcher(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
	if (!res.ok) {
		const body = (await res.json().catch(() => null)) as { message?: string; error?: { message?: string } } | null;
		throw new HttpError(res.status, body?.message ?? body?.error?.message ?? `${res.status} ${res.statusText}`);
	}
	return (await res.json()) as T;
}
