import type { PlaywrightWorkerArgs } from '@playwright/test';
import { signup } from './helpers';

/** A fresh user's API key and the /v1 base URL of the production server the specs run against. */
export async function apiKeyFor(playwright: PlaywrightWorkerArgs['playwright'], baseURL: string, name = 'Api') {
	const request = await playwright.request.newContext({ baseURL });
	await signup(request, name);
	const { key } = await (await request.post('/api/keys', { data: { name: 'v1 client' } })).json();
	await request.dispose();
	return { key: key as string, v1: `${baseURL}/v1` };
}

/** The run behind a /v1 answer, as the room sees it (its events, in order). */
export async function runEvents(playwright: PlaywrightWorkerArgs['playwright'], baseURL: string, key: string, runId: string) {
	const request = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${key}` } });
	const res = await request.get(`/api/runs/${runId}/events`);
	const { events } = await res.json();
	await request.dispose();
	return events as { type: string; data: Record<string, unknown> }[];
}
