// Turns training text into "units": the words and symbols a bigram model predicts one at a time.
// A unit is written the way the SentencePiece vocabulary spells it: "▁word" when a space comes before it,
// bare ("," or ")" or "bar" in "foo.bar") when it is glued to the previous unit.

export const SPACE_MARK = '▁';
/** Stands for a line break: the start of every segment and, in code corpora, each newline. */
export const NEWLINE_UNIT = '\n';

export interface CorpusOptions {
	/** Code keeps its line structure; prose paragraphs are reflowed into one line. */
	keepNewlines: boolean;
}

/** A segment is one answer-sized piece of text: a prose paragraph or a block of code between blank lines. */
export type Segment = string[];

const asciiReplacements: ReadonlyArray<readonly [RegExp, string]> = [
	[/[\u2018\u2019]/g, "'"],
	[/[\u201c\u201d]/g, '"'],
	[/[\u2013\u2014]/g, '-'],
	[/\u2026/g, '...'],
	[/\u2192/g, '->'],
	[/\t/g, '  '],
	[/[^\x20-\x7e\n]/g, ' '] // anything else non-ASCII becomes a space: the vocabulary is ASCII
];

export function normalizeText(text: string): string {
	let out = text.replace(/\r\n?/g, '\n');
	for (const [pattern, replacement] of asciiReplacements) out = out.replace(pattern, replacement);
	return out;
}

/**
 * Strips Markdown markup that would only teach the model stray symbols. Headings go entirely: as one-line
 * paragraphs they would teach the model that an answer can be a single word.
 */
function stripMarkdown(paragraph: string): string {
	return paragraph
		.split('\n')
		.filter((line) => !/^\s*#{1,6}\s/.test(line))
		.map((line) => line.replace(/^\s*([-*+]|\d+\.)\s+/, '').replace(/\*\*|__|`/g, ''))
		.join(' ');
}

const UNIT_PATTERN = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+|\S/g;

function lineToUnits(line: string): string[] {
	const units: string[] = [];
	for (const match of line.matchAll(UNIT_PATTERN)) {
		const at = match.index ?? 0;
		const spaced = at === 0 || /\s/.test(line[at - 1]);
		units.push(spaced ? SPACE_MARK + match[0] : match[0]);
	}
	return units;
}

export function corpusToSegments(text: string, options: CorpusOptions): Segment[] {
	const blocks = normalizeText(text)
		.split(/\n\s*\n/)
		.map((block) => block.replace(/^\n+|\s+$/g, ''))
		.filter((block) => block.trim().length > 0);
	return blocks
		.map((block) => {
			if (!options.keepNewlines) return lineToUnits(stripMarkdown(block).trim());
			const units: string[] = [];
			block.split('\n').forEach((line, i) => {
				if (i > 0) units.push(NEWLINE_UNIT);
				units.push(...lineToUnits(line.trimStart()));
			});
			return units;
		})
		.filter((units) => units.length > 0);
}

/** Most frequent units first; ties broken by spelling so the choice is deterministic. */
export function rankUnits(segments: readonly Segment[], limit: number): string[] {
	const counts = new Map<string, number>();
	for (const segment of segments) for (const unit of segment) if (unit !== NEWLINE_UNIT) counts.set(unit, (counts.get(unit) ?? 0) + 1);
	return [...counts.entries()]
		.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
		.slice(0, limit)
		.map(([unit]) => unit);
}
