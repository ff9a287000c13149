import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { grammarSchemaProblem, toGrammarSchema } from './json-schema-subset';

describe('the structured-output schema subset', () => {
	it('accepts what zod emits and rewrites anyOf, type lists and definitions for the grammar', () => {
		const schema = z.toJSONSchema(
			z.object({ id: z.int(), name: z.string().max(10).nullable(), kind: z.enum(['a', 'b']), tags: z.array(z.string()) })
		);
		expect(grammarSchemaProblem(schema)).toBeUndefined();
		const grammar = toGrammarSchema(schema) as { properties: Record<string, unknown> };
		expect(grammar.properties.id).toEqual({ type: 'integer' }); // bounds are checked afterwards, not by the grammar
		expect(grammar.properties.name).toEqual({ oneOf: [{ type: 'string', maxLength: 10 }, { type: 'null' }] });
		expect(toGrammarSchema({ type: ['string', 'null'] })).toEqual({ oneOf: [{ type: 'string' }, { type: 'null' }] });
		expect(toGrammarSchema({ definitions: { n: { type: 'number' } }, $ref: '#/definitions/n' })).toEqual({
			$ref: '#/$defs/n',
			$defs: { n: { type: 'number' } }
		});
	});

	it('refuses what the grammar cannot express, naming the keyword and where', () => {
		expect(grammarSchemaProblem({ allOf: [{ type: 'object' }] })).toMatch(/`allOf`.*at #/);
		expect(grammarSchemaProblem({ type: 'object', properties: { a: { not: { type: 'string' } } } })).toMatch(/`not`.*#\/properties\/a/);
		expect(grammarSchemaProblem({ type: 'object', properties: { a: {} } })).toMatch(/needs a `type`/);
		expect(grammarSchemaProblem({ $ref: 'https://example.com/schema' })).toMatch(/must point into #\/\$defs/);
		expect(grammarSchemaProblem({ type: 'date' })).toMatch(/unknown type/);
		expect(grammarSchemaProblem({ enum: [{ a: 1 }] })).toMatch(/literals/);
	});
});
