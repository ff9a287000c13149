import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { checkScriptSyntax, extractCodeBlocks, findJsonAnswer, schemaProblems, syntaxDiagnostics } from './code-checks';

describe('extractCodeBlocks', () => {
	it('returns blocks with language, body and line, and notices an unclosed fence', () => {
		const { blocks, unclosed } = extractCodeBlocks('Intro\n```ts\nconst a = 1;\n```\ntext\n~~~python\nprint(1)\n~~~\n```\nopen');
		expect(blocks).toEqual([
			{ language: 'typescript', info: 'ts', code: 'const a = 1;', line: 2 },
			{ language: 'python', info: 'python', code: 'print(1)', line: 6 }
		]);
		expect(unclosed).toBe(true);
	});

	it('does not close a fence with a shorter or different one', () => {
		const { blocks, unclosed } = extractCodeBlocks('````md\n```ts\nx\n```\n~~~\n````');
		expect(unclosed).toBe(false);
		expect(blocks).toHaveLength(1);
		expect(blocks[0].code).toBe('```ts\nx\n```\n~~~');
	});
});

describe('checkScriptSyntax', () => {
	it('uses the real TypeScript parser: valid code passes, broken code reports positions', () => {
		expect(checkScriptSyntax('interface A { x: number }\nexport const a: A = { x: 1 };', 'typescript')).toEqual([]);
		expect(checkScriptSyntax('class A {\n  m() {\n}\n', 'typescript')).toEqual([{ line: 4, column: 1, message: "'}' expected." }]);
	});

	it('accepts type annotations in JS blocks (mislabelled TS) but not broken JS', () => {
		expect(checkScriptSyntax('const a: number = 1;', 'javascript')).toEqual([]);
		expect(checkScriptSyntax('if (a { b(); }', 'javascript').length).toBeGreaterThan(0);
	});

	it('gets the same parse errors through the public program API', () => {
		const file = ts.createSourceFile('x.ts', 'const = 1;\nlet y = (;', ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
		const viaParser = syntaxDiagnostics(file).map((d) => [d.start, d.code]);
		expect(viaParser.length).toBeGreaterThan(0);
		expect(syntaxDiagnostics(file, true).map((d) => [d.start, d.code])).toEqual(viaParser);
	});
});

describe('findJsonAnswer', () => {
	it('prefers the whole answer, then a single JSON block, then an embedded span', () => {
		expect(findJsonAnswer('[1, 2]', [])).toEqual({ source: 'the answer', parse: { ok: true, value: [1, 2] } });
		const fenced = 'Here:\n```json\n{"a": 1}\n```';
		expect(findJsonAnswer(fenced, extractCodeBlocks(fenced).blocks)?.source).toBe('its JSON block');
		expect(findJsonAnswer('Sure: {"a": {"b": 2}} done', [])).toEqual({
			source: 'the embedded JSON',
			parse: { ok: true, value: { a: { b: 2 } } }
		});
	});

	it('returns nothing for prose and the parse error for broken JSON', () => {
		expect(findJsonAnswer('No JSON here.', [])).toBeUndefined();
		expect(findJsonAnswer('{"a": }', [])?.parse.ok).toBe(false);
	});
});

describe('schemaProblems', () => {
	it('validates with zod from the JSON schema, paths included', () => {
		const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
		expect(schemaProblems({ n: 3 }, schema)).toEqual([]);
		expect(schemaProblems({ n: 'x' }, schema)[0]).toMatch(/^n: /);
		expect(schemaProblems({}, schema)[0]).toMatch(/^n: /);
		expect(schemaProblems([], schema)[0]).toMatch(/^\(root\): /);
	});
});
