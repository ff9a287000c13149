// The heuristic evidence the task analyzer weighs: keyword rules per task and a few shape checks. Kept apart from
// the scoring so the rules read as a table and can be tuned without touching the arithmetic.
import type { CodeLanguage, TaskKind } from './types';

export interface KeywordRule {
	task: TaskKind;
	/** Weight of the first distinct match; further distinct matches add `extra` each, up to `maxExtra` of them. */
	weight: number;
	extra: number;
	maxExtra: number;
	pattern: RegExp;
	label: string;
}

const rule = (task: TaskKind, label: string, pattern: RegExp, weight: number, extra = 0, maxExtra = 0): KeywordRule => ({
	task,
	label,
	pattern: new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
	weight,
	extra,
	maxExtra
});

export const keywordRules: KeywordRule[] = [
	rule(
		'code',
		'code syntax',
		/\b(?:function\s+\w+\s*\(|(?:const|let|var)\s+\w+\s*[:=]|def\s+\w+\s*\(|class\s+\w+\s*[:{(]|import\s+[\w{*][^\n]*\bfrom\b|#include\s*<|console\.log|System\.out|fn\s+\w+\s*\(|SELECT\s+[\w*,. ]{1,200}?\s+FROM\b)|=>\s*[{(\w]/,
		2.5,
		0.5,
		2
	),
	rule(
		'code',
		'error message',
		/\b(?:TypeError|SyntaxError|ReferenceError|Traceback|NullPointerException|segmentation fault|ENOENT|EADDRINUSE|undefined is not a function|cannot read propert(?:y|ies) of)/i,
		2.5
	),
	rule(
		'code',
		'programming words',
		/\b(?:code|function|method|bug|debug\w*|compiler?|compil(?:e|ing)|refactor\w*|regex|regular expression|api|endpoint|unit tests?|stack ?trace|exception|typescript|javascript|python|rust|golang|c\+\+|sql|script|algorithm|variable|array|npm|node\.js|react|svelte|docker|git|syntax|pandas|numpy|dataframe|csv|django|flask|express|kubernetes|webpack|vite|compile error|command line|terminal|cli|list comprehension|for loop|while loop|lambda|dictionary|tuple|recursion|recursive|iterator|boolean|integer|linter|async|promise|class(?:es)? (?:in|for)|type error|runtime|database schema|query)\b/i,
		1,
		1,
		3
	),
	rule(
		'code',
		'imperative coding request',
		/^(?:please\s+|can you\s+|could you\s+)?(?:write|implement|fix|refactor|debug|optimi[sz]e|convert|port|add|create|generate)\s+(?:(?:a|an|the|me|some|my|this|that)\s+)?(?:[\w.#+-]+\s+){0,3}?(?:function|class|script|method|program|code|component|tests?|query|endpoint|regex|hook|module|cli|api|parser|decorator|loop|comprehension|snippet|interface|migration|dockerfile)\b/im,
		2
	),
	rule(
		'math',
		'LaTeX',
		/\\(?:frac|int|sum|sqrt|lim|cdot|times|alpha|beta|theta|pi|infty|partial|mathbb|begin\{(?:equation|align))|\$[^$\n]+\$/,
		3
	),
	rule('math', 'arithmetic expression', /\d+(?:\.\d+)?\s*[-+*/×÷^]\s*\(?\d/, 2, 0.5, 2),
	rule('math', 'percentage', /\d+(?:\.\d+)?\s*%\s*of\b/i, 2),
	rule('math', 'equation', /\b\d*[a-z]\s*(?:\^|\*\*|²)\s*\d?|\b[xyzn]\s*[=<>≤≥]\s*-?\d|\b\d+[xyz]\b|=\s*0\b/, 2),
	rule(
		'math',
		'math words',
		/\b(?:solve (?:for|the (?:equation|system|inequality))|equations?|integral|derivative|differentiate|integrate|calculate|compute|probability|primes?|factori[sz]e|factorial|matri(?:x|ces)|eigen\w*|polynomial|algebra\w*|geometry|triangle|circle|area|volume|percent(?:age)?|ratio|fraction|sum of|average|median|variance|standard deviation|logarithm|square root|theorem|lemma|modulo|gcd|lcm|digits|arithmetic|simplify|limit|vectors?|angle|radius|hypotenuse|interest rate|compound interest|divisible|irrational|convergent|odds|how many ways|permutations?|combinations)\b/i,
		2,
		1,
		3
	),
	rule(
		'reasoning',
		'step by step',
		/\bstep[- ]by[- ]step\b|\bthink (?:it )?through\b|\b(?:show|explain) (?:your|the) (?:work|reasoning)\b/i,
		2
	),
	rule('reasoning', '"why" question', /\bwhy\b/i, 1.5),
	rule('reasoning', 'proof', /\bprove\b|\bproof\b|\bdisprove\b/i, 1.5),
	rule(
		'reasoning',
		'reasoning words',
		/\b(?:explain why|reason(?:ing)?|logic(?:al)?|deduce|infer|implications?|trade-?offs?|pros and cons|compare|comparison|versus|vs\.?|which is better|what would happen|consequences?|argue|argument|evaluate|assess|analy[sz]e|justify|causes?|paradox|riddle|puzzle|dilemma|hypothes[ie]s|decide|strategy|root cause|contradiction)\b/i,
		1,
		1,
		3
	),
	rule('reasoning', 'if-then logic', /\bif\b[^.?!\n]{3,80}\bthen\b|\ball\s+\w+\s+are\b[^.?!\n]*\bsome\b/i, 1),
	rule(
		'creative',
		'creative form',
		/\b(?:story|stories|poem|poetry|haiku|limerick|sonnet|song|lyrics|verse|rhym(?:e|es|ing)|fairy tale|fable|fiction|screenplay|monologue|dialogue between|villain|protagonist|slogan|tagline|jingle|toast|bedtime|ballad|ode)\b/i,
		3,
		1,
		2
	),
	rule(
		'creative',
		'creative cue',
		/\b(?:imagine|creative|whimsical|in the style of|once upon a time|plot twist|characters?|narrat(?:e|or|ive)|fantasy|sci-?fi)\b/i,
		1.5,
		0.5,
		2
	),
	rule(
		'summarize',
		'summary request',
		/\b(?:summari[sz]e|summary|tl;?dr|key (?:points|takeaways)|main points|gist|condense|recap|in a nutshell|boil (?:it|this) down|shorten|bullet points? of|brief overview of|sum (?:it|this) up)\b/i,
		3.5
	),
	rule('chat', 'greeting or thanks', /^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks|thank you|how are you)\b/i, 2),
	rule(
		'chat',
		'everyday request',
		/\b(?:what is|what's|who is|who was|where is|when (?:is|was|did)|tell me about|recommend|suggest|translate|email|message to|cover letter|recipe|advice|tips)\b/i,
		1
	)
];

/** Fence info strings and language names → a language. */
const languageAliases: Record<string, CodeLanguage> = {
	ts: 'typescript',
	typescript: 'typescript',
	mts: 'typescript',
	cts: 'typescript',
	tsx: 'tsx',
	js: 'javascript',
	javascript: 'javascript',
	mjs: 'javascript',
	cjs: 'javascript',
	node: 'javascript',
	jsx: 'jsx',
	json: 'json',
	py: 'python',
	python: 'python',
	python3: 'python',
	sh: 'bash',
	bash: 'bash',
	shell: 'bash',
	zsh: 'bash',
	console: 'bash',
	sql: 'sql',
	postgres: 'sql',
	postgresql: 'sql',
	mysql: 'sql',
	sqlite: 'sql',
	html: 'html',
	css: 'css',
	rs: 'rust',
	rust: 'rust',
	go: 'go',
	golang: 'go',
	java: 'java',
	c: 'c',
	h: 'c',
	cpp: 'cpp',
	'c++': 'cpp',
	cc: 'cpp',
	cs: 'csharp',
	csharp: 'csharp',
	rb: 'ruby',
	ruby: 'ruby',
	php: 'php',
	yaml: 'yaml',
	yml: 'yaml'
};

export function languageFromInfo(info: string): CodeLanguage | undefined {
	const name = info.trim().split(/[\s{]/)[0].toLowerCase();
	// Own keys only: the info string comes from the prompt, and "constructor" must not find Object.prototype's.
	return Object.hasOwn(languageAliases, name) ? languageAliases[name] : undefined;
}

// Named languages, checked in order: "TypeScript" before "JavaScript" before "Java" so the longer name wins.
const languageMentions: [RegExp, CodeLanguage][] = [
	[/\btypescript\b|\bin ts\b|\.tsx?\b/i, 'typescript'],
	[/\bjavascript\b|\bnode(?:\.js)?\b|\bin js\b|\.m?js\b/i, 'javascript'],
	[/\bpython\b|\bdjango\b|\bpandas\b|\bnumpy\b|\.py\b/i, 'python'],
	[/\bbash\b|\bshell script\b|\bzsh\b/i, 'bash'],
	[/\bsql\b|\bpostgres\w*\b|\bmysql\b|\bsqlite\b/i, 'sql'],
	[/\brust\b|\bcargo\b/i, 'rust'],
	[/\bgolang\b|\bin Go\b/, 'go'],
	[/\bjava\b/i, 'java'],
	[/\bc\+\+|\bcpp\b/i, 'cpp'],
	[/\bC#|\bcsharp\b|\.net\b/i, 'csharp'],
	[/\bruby\b|\brails\b/i, 'ruby'],
	[/\bphp\b/i, 'php'],
	[/\bhtml\b/i, 'html'],
	[/\bcss\b/i, 'css'],
	[/\byaml\b/i, 'yaml'],
	[/\bjson\b/i, 'json']
];

// Recognisable syntax when the prompt names no language.
const languageSyntax: [RegExp, CodeLanguage][] = [
	[/^\s*def\s+\w+\(.*\)\s*(?:->\s*[\w\[\], ]+)?:\s*$/m, 'python'],
	[/:\s*(?:string|number|boolean)\b|\binterface\s+\w+\s*\{|\btype\s+\w+\s*=/, 'typescript'],
	[/\bfunction\b|\bconst\s+\w+\s*=|=>|console\.log/, 'javascript'],
	[/#include\s*</, 'c'],
	[/^\s*[{[]\s*"/, 'json']
];

export function detectLanguage(prompt: string, fenceInfos: string[]): CodeLanguage | undefined {
	for (const info of fenceInfos) {
		const language = languageFromInfo(info);
		if (language) return language;
	}
	for (const [pattern, language] of languageMentions) if (pattern.test(prompt)) return language;
	for (const [pattern, language] of languageSyntax) if (pattern.test(prompt)) return language;
	return undefined;
}

/** The prompt asks for the answer itself in JSON (not e.g. code that parses JSON). */
export function asksForJson(prompt: string): boolean {
	return (
		/\b(?:respond|reply|answer|return|output|give|format(?:ted)?|provide|list)\b[^.?!\n]{0,40}\b(?:as|in|with)\s+(?:a\s+|an\s+)?(?:valid\s+)?json\b/i.test(
			prompt
		) ||
		/\bjson\s+(?:only|format|object|array)\b/i.test(prompt) ||
		/\b(?:valid|only|strict|pure|raw)\s+json\b/i.test(prompt)
	);
}

/** Opening fences with their info strings. */
export function fenceInfos(text: string): string[] {
	return [...text.matchAll(/^ {0,3}(?:```|~~~)([^\n`]*)$/gm)].map((m) => m[1].trim()).filter((_, i) => i % 2 === 0);
}
