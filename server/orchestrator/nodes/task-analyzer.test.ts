import { describe, expect, it } from 'vitest';
import { promptTable } from './fixtures/prompts';
import { analyzeTask, classifierJsonSchema, classifierPrompt, mergeClassifierResult, taskKinds } from './task-analyzer';
import type { TaskKind } from './types';

describe('analyzeTask accuracy on realistic prompts', () => {
	const results = promptTable.map(({ prompt, task }) => ({ prompt, expected: task, got: analyzeTask(prompt) }));
	const misses = results.filter((r) => r.got.task !== r.expected).map((r) => `${r.expected} → ${r.got.task}: ${r.prompt.slice(0, 60)}`);

	it('has at least five prompts per task', () => {
		for (const task of taskKinds) expect(promptTable.filter((p) => p.task === task).length, task).toBeGreaterThanOrEqual(5);
	});

	it('classifies at least 90% overall', () => {
		const accuracy = 1 - misses.length / results.length;
		expect(accuracy, misses.join('\n')).toBeGreaterThanOrEqual(0.9);
	});

	it.each(taskKinds.map((t) => [t]))('classifies at least 80%% of the %s prompts', (task: TaskKind) => {
		const own = results.filter((r) => r.expected === task);
		const correct = own.filter((r) => r.got.task === task).length;
		expect(correct / own.length, misses.join('\n')).toBeGreaterThanOrEqual(0.8);
	});

	it('returns a distribution, a bounded confidence and reasons for every prompt', () => {
		for (const { got } of results) {
			const sum = Object.values(got.scores).reduce((a, b) => a + b, 0);
			expect(sum).toBeCloseTo(1, 2);
			expect(got.confidence).toBeGreaterThan(0);
			expect(got.confidence).toBeLessThanOrEqual(1);
			expect(got.features.length).toBeGreaterThan(0);
			expect(got.scores[got.task]).toBe(Math.max(...Object.values(got.scores)));
		}
	});
});

describe('analyzeTask signals', () => {
	it('explains a code decision with the fence and its language', () => {
		const a = analyzeTask('Fix this:\n```ts\nconst x: number = "a";\n```');
		expect(a.task).toBe('code');
		expect(a.codeLanguage).toBe('typescript');
		expect(a.features.some((f) => f.startsWith('code fence (ts)'))).toBe(true);
	});

	it('detects the language from the prompt wording and from syntax', () => {
		expect(analyzeTask('Write a Python function that reverses a linked list.').codeLanguage).toBe('python');
		expect(analyzeTask('Write a JavaScript function that flattens nested arrays.').codeLanguage).toBe('javascript');
		expect(analyzeTask('Why is this wrong?\ndef add(a, b):\n    return a +\n').codeLanguage).toBe('python');
	});

	it('is more confident with strong evidence than with none', () => {
		const strong = analyzeTask(
			'Refactor this:\n```ts\nfunction load(id: string) { return fetch(`/api/${id}`).then((r) => r.json()); }\n```'
		);
		const weak = analyzeTask('hmm');
		expect(weak.task).toBe('chat');
		expect(weak.features).toContain('no specific signals → chat');
		expect(strong.confidence).toBeGreaterThan(weak.confidence);
	});

	it('flags a request for a JSON answer and suggests json as the language', () => {
		const a = analyzeTask('List three fruits with their colours. Respond only in JSON.');
		expect(a.wantsJson).toBe(true);
		expect(a.codeLanguage).toBe('json');
		expect(analyzeTask('How do I parse JSON in Python?').wantsJson).toBe(false);
	});

	it('needs the summary request to treat a long paste as strongly as a summary', () => {
		const paste = Array.from({ length: 12 }, (_, i) => `Paragraph sentence number ${i} talks about the weather and the harbour.`).join(' ');
		const asked = analyzeTask(`Summarize:\n\n${paste}\n\n${paste}`);
		expect(asked.task).toBe('summarize');
		expect(asked.features.some((f) => f.includes('with a summary request'))).toBe(true);
	});

	it('is deterministic', () => {
		const prompt = promptTable[3].prompt;
		expect(analyzeTask(prompt)).toEqual(analyzeTask(prompt));
	});
});

describe('LLM classifier seam', () => {
	const heuristic = analyzeTask('Why do leaves change colour in the autumn? Explain step by step.');

	it('offers a schema restricted to the task names and a prompt that embeds the user prompt', () => {
		expect(classifierJsonSchema.properties.task.enum).toEqual([...taskKinds]);
		expect(classifierJsonSchema.required).toEqual(['task', 'confidence']);
		const messages = classifierPrompt('Write a haiku');
		expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
		expect(messages[1].content).toContain('Write a haiku');
		expect(classifierPrompt('x'.repeat(5000))[1].content.length).toBeLessThan(2200);
	});

	it('raises confidence when the classifier agrees', () => {
		const merged = mergeClassifierResult(heuristic, { task: heuristic.task, confidence: 0.8 });
		expect(merged.task).toBe(heuristic.task);
		expect(merged.confidence).toBeGreaterThan(heuristic.confidence);
		expect(merged.features.at(-1)).toContain('agrees');
	});

	it('lets a more confident classifier overrule, and a less confident one not', () => {
		const overruled = mergeClassifierResult(heuristic, { task: 'creative', confidence: 0.99 });
		expect(overruled.task).toBe('creative');
		expect(overruled.confidence).toBeLessThan(0.99);
		const ignored = mergeClassifierResult(heuristic, { task: 'creative', confidence: 0.01 });
		expect(ignored.task).toBe(heuristic.task);
	});

	it('ignores malformed classifier output and clamps confidence', () => {
		expect(mergeClassifierResult(heuristic, { task: 'poetry', confidence: 0.9 }).task).toBe(heuristic.task);
		expect(mergeClassifierResult(heuristic, 'code').features.at(-1)).toContain('ignored');
		const clamped = mergeClassifierResult(heuristic, { task: heuristic.task, confidence: 7 });
		expect(clamped.confidence).toBeLessThanOrEqual(1);
	});
});
