// @vitest-environment jsdom
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ModelCatalog } from './model-catalog.svelte';
import { RunHistory } from './run-history.svelte';
import { RunPlayback } from './run-playback.svelte';
import { happyRun, ROOM, summary } from './test-events';

const json = (body: unknown, status = 200) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => vi.useRealTimers());

describe('RunHistory', () => {
	test('builds the query from the filters and pages with nextBefore', async () => {
		const urls: string[] = [];
		const fetch = vi.fn(async (url: string | URL | Request) => {
			urls.push(String(url));
			return String(url).includes('before=')
				? json({ runs: [summary('runbbbbbbbbb', { createdAt: 5 })], nextBefore: null })
				: json({ runs: [summary('runaaaaaaaaa', { createdAt: 9 })], nextBefore: 9 });
		});
		const h = new RunHistory(ROOM, { fetch: fetch as typeof globalThis.fetch, limit: 1 });
		await h.load();
		expect(urls[0]).toBe(`/api/runs?room=${ROOM}&limit=1`);
		expect(h.runs.map((r) => r.id)).toEqual(['runaaaaaaaaa']);
		await h.more();
		expect(urls[1]).toContain('before=9');
		expect(h.runs.map((r) => r.id)).toEqual(['runaaaaaaaaa', 'runbbbbbbbbb']);
		expect(h.nextBefore).toBeNull();
		h.filters = { q: ' rooms ', status: 'failed', model: 'sy-code' };
		expect(h.url()).toBe(`/api/runs?room=${ROOM}&limit=1&q=rooms&status=failed&model=sy-code`);
	});

	test('typing waits for a pause; a slower answer to an older query is dropped', async () => {
		vi.useFakeTimers();
		const pending: ((r: Response) => void)[] = [];
		const fetch = vi.fn(() => new Promise<Response>((resolve) => pending.push(resolve)));
		const h = new RunHistory(ROOM, { fetch: fetch as unknown as typeof globalThis.fetch, debounceMs: 200 });
		h.setFilters({ q: 'a' });
		h.setFilters({ q: 'ab' });
		expect(fetch).not.toHaveBeenCalled();
		await vi.advanceTimersByTimeAsync(200);
		expect(fetch).toHaveBeenCalledTimes(1);
		h.setFilters({ status: 'succeeded' }); // loads at once
		expect(fetch).toHaveBeenCalledTimes(2);
		pending[1](json({ runs: [summary('runnewaaaaaa')], nextBefore: null }));
		await vi.waitFor(() => expect(h.runs.map((r) => r.id)).toEqual(['runnewaaaaaa']));
		pending[0](json({ runs: [summary('runoldaaaaaa')], nextBefore: null }));
		await vi.advanceTimersByTimeAsync(10);
		expect(h.runs.map((r) => r.id)).toEqual(['runnewaaaaaa']);
		expect(h.loading).toBe(false);
	});

	test('errors are kept for display', async () => {
		const h = new RunHistory(ROOM, {
			fetch: (async () => json({ code: 'forbidden', message: 'Not a member' }, 403)) as typeof globalThis.fetch
		});
		await h.load();
		expect(h.error).toBe('Not a member');
	});
});

describe('RunPlayback', () => {
	const RUN = 'runaaaaaaaaa';
	const events = happyRun(RUN);
	const fetch = (async (url: string | URL | Request) =>
		String(url).endsWith('/events')
			? json({ events })
			: json({ ...summary(RUN, { status: 'succeeded' }), answer: 'Hello **world**' })) as typeof globalThis.fetch;

	test('opens at the end, scrubs back and forth', async () => {
		const p = new RunPlayback({ fetch });
		await p.open(RUN);
		expect(p.runId).toBe(RUN);
		expect(p.position).toBe(events.length);
		expect(p.view?.status).toBe('succeeded');
		p.seek(3);
		expect(p.view?.lastSeq).toBe(3);
		expect(p.view?.nodes.taskAnalyzer.status).toBe('running');
		p.seek(12);
		expect(p.view?.nodes.executor.status).toBe('running');
		expect(p.elapsedMs).toBe(events[11].ts - events[0].ts);
		p.seek(-5);
		expect(p.position).toBe(0);
		expect(p.view?.nodes.taskAnalyzer.status).toBe('idle');
		p.close();
		expect(p.view).toBeNull();
	});

	test('play from the end restarts; it steps through the events at speed and stops at the end', async () => {
		vi.useFakeTimers();
		const p = new RunPlayback({ fetch, maxStepMs: 50 });
		await p.open(RUN);
		p.play();
		expect(p.position).toBe(0);
		expect(p.playing).toBe(true);
		await vi.advanceTimersByTimeAsync(5);
		expect(p.position).toBeGreaterThan(0);
		p.pause();
		const at = p.position;
		await vi.advanceTimersByTimeAsync(1000);
		expect(p.position).toBe(at);
		p.toggle();
		await vi.advanceTimersByTimeAsync(5_000);
		expect(p.atEnd).toBe(true);
		expect(p.playing).toBe(false);
		expect(p.view?.text).toBe('Hello **world**');
	});
});

test('ModelCatalog: auto first, then the catalogue', async () => {
	const c = new ModelCatalog((async () =>
		json({ object: 'list', data: [{ id: 'auto' }, { id: 'sy-tiny' }, { id: 'sy-code' }] })) as typeof globalThis.fetch);
	await c.load();
	expect(c.ids).toEqual(['auto', 'sy-tiny', 'sy-code']);
	expect(c.models).toEqual(['sy-tiny', 'sy-code']);
	const broken = new ModelCatalog((async () => json({ error: { message: 'nope' } }, 500)) as typeof globalThis.fetch);
	await broken.load();
	expect(broken.error).toBe('nope');
	expect(broken.ids).toEqual(['auto']);
});
