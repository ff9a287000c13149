// The JSON Schema that structured output accepts: what node-llama-cpp's JSON-schema grammar can constrain, plus a few
// value checks (number bounds, patterns, formats) that the output validator enforces after generation. Anything
// else (allOf, not, conditionals, …) is refused up front, because a grammar that silently ignored it would produce
// answers that do not match. Pure functions: used at the API boundary and next to the model.

type Schema = Record<string, unknown>;

/** Description-only keywords: dropped from the grammar, harmless. */
const ANNOTATIONS = ['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly'];
/** Checked by the validator after generation, not constrained by the grammar. */
const VALUE_CHECKS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern', 'format', 'uniqueItems'];
const STRUCTURE = ['type', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems'];
const MORE = [
	'minProperties',
	'maxProperties',
	'minLength',
	'maxLength',
	'enum',
	'const',
	'anyOf',
	'oneOf',
	'$ref',
	'$defs',
	'definitions',
	'nullable'
];
const KNOWN = new Set([...ANNOTATIONS, ...VALUE_CHECKS, ...STRUCTURE, ...MORE]);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const GRAMMAR_FORMATS = new Set(['date-time', 'time', 'date']);
const MAX_DEPTH = 32;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why the grammar cannot express this schema (naming the keyword and where it is), or undefined when it can. */
export function grammarSchemaProblem(schema: unknown): string | undefined {
	try {
		toGrammarSchema(schema);
		return undefined;
	} catch (error) {
		if (error instanceof SchemaSubsetError) return error.message;
		throw error;
	}
}

export class SchemaSubsetError extends Error {}

/**
 * The schema in the dialect node-llama-cpp's grammar understands: anyOf and type lists become oneOf, `definitions`
 * becomes `$defs`, annotations and validator-only checks are dropped. Throws SchemaSubsetError for the rest.
 */
export function toGrammarSchema(schema: unknown): Schema {
	return convert(schema, '#', 0);
}

function convert(schema: unknown, at: string, depth: number): Schema {
	if (depth > MAX_DEPTH) throw new SchemaSubsetError(`the schema nests deeper than ${MAX_DEPTH} levels (at ${at})`);
	if (!isSchema(schema)) throw new SchemaSubsetError(`${at} is not a schema object`);
	for (const key of Object.keys(schema)) {
		if (!KNOWN.has(key)) throw new SchemaSubsetError(`\`${key}\` is not supported for structured output (at ${at})`);
	}
	const defs = (schema.$defs ?? schema.definitions) as unknown;
	const out: Schema = {};
	if (defs !== undefined) {
		if (!isSchema(defs)) throw new SchemaSubsetError(`${at}/$defs must be an object of schemas`);
		out.$defs = Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, convert(v, `${at}/$defs/${k}`, depth + 1)]));
	}
	const withDefs = (s: Schema) => (out.$defs ? { ...s, $defs: out.$defs } : s);

	if (schema.$ref !== undefined) {
		const ref = String(schema.$ref);
		const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
		if (!match) throw new SchemaSubsetError(`\`$ref\` "${ref}" must point into #/$defs (at ${at})`);
		return withDefs({ $ref: `#/$defs/${match[1]}` });
	}
	if (schema.const !== undefined) return withDefs({ const: literal(schema.const, `${at}/const`) });
	if (schema.enum !== undefined) {
		if (!Array.isArray(schema.enum) || schema.enum.length === 0)
			throw new SchemaSubsetError(`\`enum\` must be a non-empty list (at ${at})`);
		return withDefs({ enum: schema.enum.map((v, i) => literal(v, `${at}/enum/${i}`)) });
	}
	const alternatives = (schema.anyOf ?? schema.oneOf) as unknown;
	if (alternatives !== undefined) {
		if (!Array.isArray(alternatives) || alternatives.length === 0)
			throw new SchemaSubsetError(`\`anyOf\`/\`oneOf\` must be a non-empty list (at ${at})`);
		return withDefs({ oneOf: alternatives.map((a, i) => convert(a, `${at}/anyOf/${i}`, depth + 1)) });
	}
	const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
	if (schema.nullable === true && !types.includes('null')) types.push('null');
	if (types.length === 0)
		throw new SchemaSubsetError(`every schema needs a \`type\`, \`const\`, \`enum\`, \`anyOf\` or \`$ref\` (at ${at})`);
	for (const t of types)
		if (typeof t !== 'string' || !TYPES.has(t)) throw new SchemaSubsetError(`unknown type ${JSON.stringify(t)} (at ${at})`);
	if (types.length > 1) return withDefs({ oneOf: types.map((t) => single(schema, t as string, at, depth)) });
	return withDefs(single(schema, types[0] as string, at, depth));
}

function single(schema: Schema, type: string, at: string, depth: number): Schema {
	switch (type) {
		case 'object': {
			const properties = schema.properties ?? {};
			if (!isSchema(properties)) throw new SchemaSubsetError(`\`properties\` must be an object (at ${at})`);
			const extra = schema.additionalProperties;
			const out: Schema = {
				type: 'object',
				properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, convert(v, `${at}/properties/${k}`, depth + 1)]))
			};
			if (extra === true) out.additionalProperties = true;
			else if (isSchema(extra)) out.additionalProperties = convert(extra, `${at}/additionalProperties`, depth + 1);
			copy(schema, out, ['minProperties', 'maxProperties']);
			return out;
		}
		case 'array': {
			const out: Schema = { type: 'array' };
			if (schema.items !== undefined) out.items = convert(schema.items, `${at}/items`, depth + 1);
			if (schema.prefixItems !== undefined) {
				if (!Array.isArray(schema.prefixItems)) throw new SchemaSubsetError(`\`prefixItems\` must be a list (at ${at})`);
				out.prefixItems = schema.prefixItems.map((s, i) => convert(s, `${at}/prefixItems/${i}`, depth + 1));
			}
			copy(schema, out, ['minItems', 'maxItems']);
			return out;
		}
		case 'string': {
			if (typeof schema.format === 'string' && GRAMMAR_FORMATS.has(schema.format)) return { type: 'string', format: schema.format };
			const out: Schema = { type: 'string' };
			copy(schema, out, ['minLength', 'maxLength']);
			return out;
		}
		default:
			return { type };
	}
}

function copy(from: Schema, to: Schema, keys: string[]) {
	for (const key of keys) {
		const value = from[key];
		if (value === undefined) continue;
		if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
			throw new SchemaSubsetError(`\`${key}\` must be a non-negative integer`);
		to[key] = value;
	}
}

function literal(value: unknown, at: string): string | number | boolean | null {
	if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as string | number | boolean | null;
	throw new SchemaSubsetError(`only string, number, boolean and null literals are supported (at ${at})`);
}
