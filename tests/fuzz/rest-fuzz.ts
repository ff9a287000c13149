// Fuzzing the REST boundary: JSON routes get random bodies (broken JSON, wrong types, huge strings, deep nesting),
// called through SvelteKit's own route modules. Every answer must be a 4xx with a clear body (or a success), never a
// 5xx and never an error other than SvelteKit's HttpError.
import { isHttpError } from '@sveltejs/kit';
import fc from 'fast-check';
import * as keys from '../../src/routes/api/keys/+server';
import * as roomMembers from '../../src/routes/api/rooms/[id]/members/+server';
import * as roomSteering from '../../src/routes/api/rooms/[id]/steering/+server';
import * as rooms from '../../src/routes/api/rooms/+server';
import * as runCancel from '../../src/routes/api/runs/[id]/cancel/+server';
import * as runFork from '../../src/routes/api/runs/[id]/fork/+server';
import * as runResume from '../../src/routes/api/runs/[id]/resume/+server';
import * as runs from '../../src/routes/api/runs/+server';
import * as chat from '../../src/routes/v1/chat/completions/+server';
import * as completions from '../../src/routes/v1/completions/+server';
import * as embeddings from '../../src/routes/v1/embeddings/+server';
import type { AppContext } from '../../server/app';
import type { PublicUser } from '../../server/auth/users.repository';

type Handler = (event: never) => Response | Promise<Response>;

export function restRoutes(roomId: string, runId: string): { name: string; handler: Handler; params: Record<string, string> }[] {
	return [
		{ name: 'POST /api/runs', handler: runs.POST as Handler, params: {} },
		{ name: 'POST /api/runs/:id/cancel', handler: runCancel.POST as Handler, params: { id: runId } },
		{ name: 'POST /api/runs/:id/resume', handler: runResume.POST as Handler, params: { id: runId } },
		{ name: 'POST /api/runs/:id/fork', handler: runFork.POST as Handler, params: { id: runId } },
		{ name: 'POST /api/rooms', handler: rooms.POST as Handler, params: {} },
		{ name: 'PUT /api/rooms/:id/steering', handler: roomSteering.PUT as Handler, params: { id: roomId } },
		{ name: 'POST /api/rooms/:id/members', handler: roomMembers.POST as Handler, params: { id: roomId } },
		{ name: 'POST /api/keys', handler: keys.POST as Handler, params: {} },
		{ name: 'POST /v1/chat/completions', handler: chat.POST as Handler, params: {} },
		{ name: 'POST /v1/completions', handler: completions.POST as Handler, params: {} },
		{ name: 'POST /v1/embeddings', handler: embeddings.POST as Handler, params: {} }
	];
}

const body = fc.oneof(
	{ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
	{ weight: 2, arbitrary: fc.string({ maxLength: 300 }) },
	{
		weight: 1,
		arbitrary: fc
			.string({ minLength: 70_000, maxLength: 70_100 })
			.map((s) => JSON.stringify({ prompt: s, name: s, model: 'auto', messages: [{ role: 'user', content: s }] }))
	},
	{
		weight: 1,
		arbitrary: fc.constantFrom(
			'{',
			'[]',
			'null',
			'{"roomId":',
			'\u0000',
			'{"messages":[{"role":"user","content":"hi"}],"model":"auto","max_tokens":-1}',
			// The shapes of past findings: a field named like an Object.prototype member, null where an object goes.
			'{"valueOf":true,"model":"sy-tiny","prompt":"x","input":"x"}',
			'{"__proto__":{},"model":"sy-tiny","prompt":"x","input":"x"}',
			'{"model":"sy-tiny","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":null}]}',
			'{"model":" ","prompt":"  ","input":"x"}'
		)
	},
	{ weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }).map((d) => '['.repeat(d) + ']'.repeat(d)) }
);

/** One REST fuzz case: a route (index into restRoutes) and a raw body. Case i of a run is generated with seed + i. */
export const restCase = (routeCount: number) => fc.record({ route: fc.integer({ min: 0, max: routeCount - 1 }), body });

/** Case `index` of a run seeded with `seed`, exactly as fuzzRest generates it (to replay a finding). */
export function restCaseAt(routeCount: number, seed: number, index: number): { route: number; body: string } {
	return fc.sample(restCase(routeCount), { numRuns: 1, seed: seed + index })[0];
}

const BODY_PREVIEW_CHARS = 2_048;

export interface RestFuzzReport {
	cases: number;
	statuses: Record<string, number>;
	/**
	 * 5xx answers or errors other than HttpError: the route ("METHOD /path"), the case's index (replay it with
	 * restCaseAt(routes, seed, index)) and its body, cut to 2 KB (`bodyLength` is the whole body's).
	 */
	unclear: { route: string; index: number; body: string; bodyLength: number; status?: number; error?: string }[];
}

export async function fuzzRest(opts: {
	ctx: AppContext;
	user: PublicUser;
	session: { id: string; expiresAt: number };
	roomId: string;
	runId: string;
	count: number;
	seed: number;
}) {
	const routes = restRoutes(opts.roomId, opts.runId);
	const report: RestFuzzReport = { cases: 0, statuses: {}, unclear: [] };
	for (let i = 0; i < opts.count; i++) {
		const c = restCaseAt(routes.length, opts.seed, i); // one at a time: bounded memory on long runs
		const route = routes[c.route];
		const finding = { route: route.name, index: i, body: c.body.slice(0, BODY_PREVIEW_CHARS), bodyLength: c.body.length };
		const request = new Request('http://localhost/fuzz', { method: 'POST', body: c.body, headers: { 'content-type': 'application/json' } });
		const event = {
			locals: { app: opts.ctx, user: opts.user, session: opts.session },
			request,
			url: new URL(request.url),
			params: route.params,
			getClientAddress: () => '127.0.0.1'
		};
		let status: number;
		try {
			const res = await route.handler(event as never);
			status = res.status;
			if (res.body && res.headers.get('content-type')?.includes('event-stream')) await res.body.cancel(); // a valid streamed chat: stop it
		} catch (err) {
			if (!isHttpError(err)) {
				report.unclear.push({ ...finding, error: err instanceof Error ? err.message : String(err) });
				continue;
			}
			status = err.status;
		}
		report.cases++;
		report.statuses[status] = (report.statuses[status] ?? 0) + 1;
		if (status >= 500) report.unclear.push({ ...finding, status });
	}
	return report;
}
