// Syntax and structure checks the output validator runs on an answer's code: fenced-block extraction, TS/JS parsing
// with the real TypeScript parser, JSON extraction and JSON-schema validation through zod.
import ts from 'typescript';
import { z } from 'zod';
import { languageFromInfo } from './task-signals';
import type { CodeLanguage } from './types';

export interface CodeBlock {
	/** From the fence's info string; undefined when the fence has none. */
	language?: CodeLanguage;
	info: string;
	code: string;
	/** 1-based line of the opening fence in the answer. */
	line: number;
}

/** Fenced blocks (``` or ~~~, up to 3 spaces indent) and whether every fence was closed. */
export function extractCodeBlocks(text: string): { blocks: CodeBlock[]; unclosed: boolean } {
	const lines = text.split('\n');
	const blocks: CodeBlock[] = [];
	let open: { fence: string; info: string; line: number; body: string[] } | undefined;
	lines.forEach((line, i) => {
		const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
		if (!open) {
			if (match && !(match[1][0] === '`' && match[2].includes('`')))
				open = { fence: match[1], info: match[2].trim(), line: i + 1, body: [] };
			return;
		}
		// A closing fence is at least as long as the opening one, of the same character, with nothing after it.
		if (match && match[1][0] === open.fence[0] && match[1].length >= open.fence.length && match[2].trim() === '') {
			blocks.push({
				language: open.info ? languageFromInfo(open.info) : undefined,
				info: open.info,
				code: open.body.join('\n'),
				line: open.line
			});
			open = undefined;
		} else open.body.push(line);
	});
	return { blocks, unclosed: open !== undefined };
}

export interface SyntaxProblem {
	line: number;
	column: number;
	message: string;
}

const scriptKinds: Partial<Record<CodeLanguage, ts.ScriptKind>> = {
	typescript: ts.ScriptKind.TS,
	tsx: ts.ScriptKind.TSX,
	javascript: ts.ScriptKind.JS,
	jsx: ts.ScriptKind.JSX
};
const extensions: Record<number, string> = {
	[ts.ScriptKind.TS]: 'ts',
	[ts.ScriptKind.TSX]: 'tsx',
	[ts.ScriptKind.JS]: 'js',
	[ts.ScriptKind.JSX]: 'jsx'
};

export const parsesAsScript = (language: CodeLanguage | undefined): boolean => language !== undefined && language in scriptKinds;

/**
 * Parse errors of a TS/JS snippet (no type checking: snippets reference things defined elsewhere). Lines that are
 * only "..." are the usual "code omitted" placeholder and are read as comments. A TS/JS snippet that fails but
 * contains JSX is retried as TSX/JSX, since models label React code "ts" or "js" all the time.
 */
export function checkScriptSyntax(code: string, language: CodeLanguage): SyntaxProblem[] {
	const kind = scriptKinds[language];
	if (kind === undefined) return [];
	const source = code.replace(/^(\s*)(?:\.\.\.|…)\s*$/gm, '$1// ...');
	const problems = parseProblems(source, kind);
	const looksLikeJsx = /<\/[A-Za-z][\w.]*>|<[A-Z][\w.]*[\s/>]/.test(source);
	if (problems.length > 0 && looksLikeJsx && (kind === ts.ScriptKind.TS || kind === ts.ScriptKind.JS)) {
		const retried = parseProblems(source, kind === ts.ScriptKind.TS ? ts.ScriptKind.TSX : ts.ScriptKind.JSX);
		if (retried.length < problems.length) return retried;
	}
	return problems;
}

function parseProblems(source: string, kind: ts.ScriptKind): SyntaxProblem[] {
	const file = ts.createSourceFile(`snippet.${extensions[kind]}`, source, ts.ScriptTarget.Latest, false, kind);
	return syntaxDiagnostics(file).map((d) => {
		const { line, character } = file.getLineAndCharacterOfPosition(d.start ?? 0);
		return { line: line + 1, column: character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') };
	});
}

/**
 * The parser's own diagnostics. `parseDiagnostics` is what `createSourceFile` records but is not in the public
 * typings; if a TypeScript release drops it, ask a one-file program for the same thing through the public API.
 */
export function syntaxDiagnostics(file: ts.SourceFile, forceProgram = false): readonly ts.Diagnostic[] {
	const recorded = (file as ts.SourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics;
	if (recorded && !forceProgram) return recorded;
	const host: ts.CompilerHost = {
		getSourceFile: (name) => (name === file.fileName ? file : undefined),
		getDefaultLibFileName: () => 'lib.d.ts',
		writeFile: () => {},
		getCurrentDirectory: () => '/',
		getCanonicalFileName: (name) => name,
		useCaseSensitiveFileNames: () => true,
		getNewLine: () => '\n',
		fileExists: (name) => name === file.fileName,
		readFile: () => undefined
	};
	const program = ts.createProgram({ rootNames: [file.fileName], options: { noLib: true, allowJs: true, noResolve: true }, host });
	// Only the parser's findings: the JS-only checks ("types can only be used in a .ts file") are not syntax errors.
	return program.getSyntacticDiagnostics(file).filter((d) => d.code < 8000);
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJson(text: string): JsonParse {
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch (error) {
		return { ok: false, error: error instanceof Error ? error.message : String(error) };
	}
}

/**
 * The JSON an answer carries: the whole answer, else its only json-fenced (or unlabelled) block, else the span from
 * the first `{`/`[` to the last `}`/`]` (models like to add a sentence around it). Undefined when there is none.
 */
export function findJsonAnswer(text: string, blocks: CodeBlock[]): { source: string; parse: JsonParse } | undefined {
	const whole = text.trim();
	const candidates: [string, string][] = [['the answer', whole]];
	const jsonBlocks = blocks.filter((b) => b.language === 'json' || (!b.info && /^\s*[{[]/.test(b.code)));
	if (jsonBlocks.length === 1) candidates.push(['its JSON block', jsonBlocks[0].code.trim()]);
	const start = whole.search(/[{[]/);
	const end = Math.max(whole.lastIndexOf('}'), whole.lastIndexOf(']'));
	if (start >= 0 && end > start) candidates.push(['the embedded JSON', whole.slice(start, end + 1)]);
	let firstFailure: { source: string; parse: JsonParse } | undefined;
	for (const [source, json] of candidates) {
		const parse = parseJson(json);
		if (parse.ok) return { source, parse };
		if (source !== 'the answer' || /^[{[]/.test(whole)) firstFailure ??= { source, parse };
	}
	return firstFailure;
}

const schemaCache = new Map<string, z.ZodType | Error>();

/** Problems of `value` against a JSON schema (zod 4's fromJSONSchema); throws if the schema cannot be converted. */
export function schemaProblems(value: unknown, jsonSchema: Record<string, unknown>): string[] {
	const key = JSON.stringify(jsonSchema);
	let schema = schemaCache.get(key);
	if (!schema) {
		try {
			schema = z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]);
		} catch (error) {
			schema = error instanceof Error ? error : new Error(String(error));
		}
		if (schemaCache.size >= 64) schemaCache.clear(); // schemas come from code, not users: a tiny cache suffices
		schemaCache.set(key, schema);
	}
	if (schema instanceof Error) throw schema;
	const result = schema.safeParse(value);
	if (result.success) return [];
	return result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}
