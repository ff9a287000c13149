// /v1 bodies the fuzz found or could find: every field a client sends, under any name and with any value (null where
// an object is expected included), gets an answer in OpenAI's error shape naming the field, never a throw. Called
// through SvelteKit's own route modules with a real app context, as tests/fuzz/rest-fuzz.ts does.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as chat from '../../src/routes/v1/chat/completions/+server';
import * as completions from '../../src/routes/v1/completions/+server';
import * as embeddings from '../../src/routes/v1/embeddings/+server';
import { CHAT_FIELDS } from '../../src/lib/server/openai-request';
import type { AppContext } from '../../server/app';
import type { PublicUser } from '../../server/auth/users.repository';
import { testApp } from '../helpers/app';
import { GENERATED } from '../helpers/models';

type Handler = (event: never) => Response | Promise<Response>;

/** A model that does not exist: a body that passes every check ends at the model lookup (404), so no run starts. */
const NO_MODEL = 'no-such-model';

/** Valid bodies using every optional object the routes read; each must reach the model lookup untouched. */
const BODIES: { name: string; handler: Handler; body: Record<string, unknown> }[] = [
	{
		name: 'POST /v1/chat/completions (tools)',
		handler: chat.POST as Handler,
		body: {
			model: NO_MODEL,
			messages: [
				{ role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
				{ role: 'user', content: 'Weather in Oslo?' },
				{
					role: 'assistant',
					content: null,
					tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]
				},
				{ role: 'tool', tool_call_id: 'call_1', content: 'sunny' }
			],
			tools: [
				{
					type: 'function',
					function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }
				}
			],
			tool_choice: { type: 'function', function: { name: 'get_weather' } },
			stream: true,
			stream_options: { include_usage: true },
			stop: ['END'],
			logit_bias: {},
			metadata: { purpose: 'test' }
		}
	},
	{
		name: 'POST /v1/chat/completions (structured)',
		handler: chat.POST as Handler,
		body: {
			model: NO_MODEL,
			messages: [{ role: 'user', content: [{ type: 'text', text: 'A city, please' }] }],
			response_format: {
				type: 'json_schema',
				json_schema: { name: 'city', strict: true, schema: { type: 'object', properties: { name: { type: 'string' } } } }
			},
			logprobs: true,
			top_logprobs: 2,
			seed: 3
		}
	},
	{
		name: 'POST /v1/completions',
		handler: completions.POST as Handler,
		body: { model: NO_MODEL, prompt: ['Once'], stream: true, stream_options: { include_usage: false }, echo: false, best_of: 1 }
	},
	{
		name: 'POST /v1/embeddings',
		handler: embeddings.POST as Handler,
		body: { model: NO_MODEL, input: ['a', 'b'], encoding_format: 'base64', user: 'u' }
	}
];

let ctx: AppContext;
let user: PublicUser;

beforeAll(async () => {
	({ ctx, user } = await testApp());
});
afterAll(() => ctx?.close());

async function call(handler: Handler, body: string): Promise<{ status: number; body: unknown }> {
	const request = new Request('http://localhost/v1', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
	const event = { locals: { app: ctx, user }, request, url: new URL(request.url), params: {}, getClientAddress: () => '127.0.0.1' };
	const res = await handler(event as never); // a throw fails the test: that is the bug class under test
	return { status: res.status, body: await res.json() };
}

/** OpenAI's 400 naming `param`. */
const refusalNaming = (param: unknown) => ({
	status: 400,
	body: { error: { message: expect.any(String), type: 'invalid_request_error', code: expect.any(String), param } }
});

/** Every path into a JSON value (object keys and array indexes), the value's own included as []. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
	if (typeof value !== 'object' || value === null) return [prefix];
	const children = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
	return [prefix, ...children.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

/** A deep copy of `body` with the value at `path` replaced. */
function replaced(body: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
	const copy = structuredClone(body);
	let parent: Record<string | number, unknown> = copy;
	for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
	parent[path.at(-1)!] = value;
	return copy;
}

describe('/v1 request fields', () => {
	it('the valid bodies reach the model lookup (so a 400 below is the mutation’s doing)', async () => {
		for (const { name, handler, body } of BODIES) {
			const answer = await call(handler, JSON.stringify(body));
			expect(answer, name).toMatchObject({ status: 404, body: { error: { code: 'model_not_found' } } });
		}
	});

	it('refuses the body the 100,000-case fuzz (seed 7, REST case 24432) found, naming valueOf, on every /v1 route', async () => {
		// Before the fix: "Cannot convert undefined or null to object" (the refusal table's inherited Object.prototype.valueOf, called unbound).
		const found =
			'{"valueOf":true,"":1.7976931348623133e+308,"rN":"M^L:9","^#shG./1:":null,"g\\"#":2.5e-323,"__d":false,"c":-7.200393726617738e-86,"&@":"kN%?\'3","[-rOv?":null,"__pro":false}';
		for (const { name, handler } of BODIES) expect(await call(handler, found), name).toMatchObject(refusalNaming('valueOf'));
	});

	it('refuses what a run would refuse (model id, prompt size) under the /v1 field’s own name', async () => {
		const [chatBody, , completionBody, embeddingBody] = BODIES.map((b) => b.body);
		const long = 'word '.repeat(6_401); // 32,005 characters: over a run's prompt limit
		const cases: [Handler, Record<string, unknown>, string][] = [
			[chat.POST as Handler, { ...chatBody, model: ' ' }, 'model'],
			[completions.POST as Handler, { ...completionBody, model: 'Sy Tiny' }, 'model'],
			[embeddings.POST as Handler, { ...embeddingBody, model: '../x' }, 'model'],
			[chat.POST as Handler, { model: NO_MODEL, messages: [{ role: 'user', content: long }] }, 'messages'],
			[completions.POST as Handler, { ...completionBody, prompt: long }, 'prompt'],
			[completions.POST as Handler, { ...completionBody, prompt: ['  '] }, 'prompt[0]']
		];
		for (const [handler, body, param] of cases)
			expect(await call(handler, JSON.stringify(body)), param).toMatchObject(refusalNaming(param));
	});

	it('property: a field named like an Object.prototype member (or anything unknown) is refused by name', async () => {
		const inherited = Object.getOwnPropertyNames(Object.prototype);
		const known = new Set([...CHAT_FIELDS, 'prompt', 'suffix', 'echo', 'best_of', 'input', 'encoding_format', 'dimensions']);
		const field = fc.oneof(
			fc.constantFrom(...inherited),
			fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !known.has(k))
		);
		const value = fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null);
		await fc.assert(
			fc.asyncProperty(fc.nat(BODIES.length - 1), field, value, async (target, key, v) => {
				const { name, handler, body } = BODIES[target]; // drawn by index: the counterexample stays readable
				// Sent as text so that "__proto__" is an own field, as JSON.parse makes it.
				const text = `{${JSON.stringify(key)}:${JSON.stringify(v)},${JSON.stringify(body).slice(1)}`;
				expect(await call(handler, text), `${name} ${key}`).toMatchObject(refusalNaming(key));
			}),
			{ numRuns: 300 }
		);
	});

	it('property: any part of a valid body set to null or to another JSON value is answered clearly, naming the field', async () => {
		const runnable = new Set<unknown>(['auto', ...GENERATED]);
		const mutation = fc.nat(BODIES.length - 1).chain((index) =>
			fc.record({
				index: fc.constant(index),
				path: fc.constantFrom(...pathsOf(BODIES[index].body).filter((p) => p.length > 0)),
				value: fc.oneof(
					fc.constant(null),
					fc.jsonValue({ maxDepth: 2 }).filter((v) => !runnable.has(v))
				)
			})
		);
		await fc.assert(
			fc.asyncProperty(mutation, async ({ index, path, value }) => {
				const target = BODIES[index];
				const answer = await call(target.handler, JSON.stringify(replaced(target.body, path, value)));
				const label = `${target.name} ${path.join('.')} = ${JSON.stringify(value)}`;
				if (answer.status === 404)
					expect(answer.body, label).toMatchObject({ error: { code: 'model_not_found' } }); // still valid
				else expect(answer, label).toMatchObject(refusalNaming(expect.stringMatching(/^[a-z_]/)));
			}),
			{ numRuns: 400 }
		);
	});
});
