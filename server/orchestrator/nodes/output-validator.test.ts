import { describe, expect, it } from 'vitest';
import { RETRY_TEMPERATURE, nextAttempt, validateOutput } from './output-validator';
import type { ValidateInput } from './output-validator';
import type { ValidationResult } from './types';

const validate = (text: string, overrides: Partial<ValidateInput> = {}) =>
	validateOutput({ text, finishReason: 'stop', task: 'chat', ...overrides });
const codes = (result: ValidationResult) => result.findings.map((f) => f.code);

const cleanProse = 'The capital of Australia is Canberra. It was chosen as a compromise between Sydney and Melbourne in 1908.';
const cleanCode = [
	'Here is a debounce helper:',
	'',
	'```ts',
	'export function debounce<T extends (...args: unknown[]) => void>(fn: T, ms: number) {',
	'  let timer: ReturnType<typeof setTimeout> | undefined;',
	'  return (...args: Parameters<T>) => {',
	'    clearTimeout(timer);',
	'    timer = setTimeout(() => fn(...args), ms);',
	'  };',
	'}',
	'```',
	'',
	'Each call resets the timer, so `fn` runs once the calls stop.'
].join('\n');

describe('validateOutput findings', () => {
	it('passes clean prose and clean code with a perfect score', () => {
		for (const [text, task] of [
			[cleanProse, 'chat'],
			[cleanCode, 'code']
		] as const) {
			const result = validate(text, { task });
			expect(result, text).toEqual({ ok: true, score: 1, findings: [], retry: null });
		}
	});

	it('flags an empty answer', () => {
		const result = validate('  \n ');
		expect(result.ok).toBe(false);
		expect(codes(result)).toEqual(['empty']);
		expect(result.retry).toEqual({ reason: 'the answer is empty', adjust: { temperature: RETRY_TEMPERATURE } });
	});

	it('flags a cut-off: an error mid-sentence at the token limit, a warning at a clean end', () => {
		const cut = validate('The plan has three phases. The first phase builds two bus corridors and the second one adds a', {
			finishReason: 'length'
		});
		expect(cut.findings).toEqual([{ code: 'cut_off', severity: 'error', message: 'cut off at the token limit mid-answer' }]);
		expect(cut.retry?.adjust).toEqual({ maxTokensFactor: 2 });
		const clean = validate(cleanProse, { finishReason: 'length' });
		expect(clean.ok).toBe(true);
		expect(clean.findings.map((f) => f.severity)).toEqual(['warning']);
	});

	it('warns about an answer that stops mid-sentence but not about short or list endings', () => {
		expect(codes(validate('I think the answer is that the weather will be fine because the pressure is rising and'))).toEqual([
			'ends_mid_sentence'
		]);
		expect(codes(validate('Canberra'))).toEqual([]);
		expect(codes(validate('Steps:\n- install the dependencies and run the migrations before you start the server'))).toEqual([]);
	});

	it('detects a repetition loop and asks for another model', () => {
		const loop = validate(`Sure! ${'The cat sat on the mat and looked around the room. '.repeat(8)}`);
		expect(codes(loop)).toEqual(['repetition']);
		expect(loop.retry?.adjust).toBe('next-model');
		const lines = validate(`Result:\n${'const value = compute(1);\n'.repeat(5)}`);
		expect(lines.findings[0].message).toContain('repeats 4+ times in a row');
		// Varied text that shares a few phrases is not a loop.
		expect(
			codes(
				validate(
					'The cat sat on the mat. The dog sat on the rug. The bird sat on the fence. Then they all went home together for dinner and slept.'
				)
			)
		).toEqual([]);
	});

	it('flags an unclosed code fence', () => {
		const result = validate('Here:\n```ts\nconst a = 1;\n', { task: 'code' });
		expect(codes(result)).toEqual(['unbalanced_fence']);
		expect(codes(validate('Here:\n````md\n```ts\nconst a = 1;\n```\n````\nDone.'))).toEqual([]); // nested fence is fine
	});

	it('detects real TypeScript syntax errors with answer line numbers', () => {
		const broken =
			'Try this:\n```ts\nconst total: number = ;\nfunction sum(a: number, b: number {\n  return a + b;\n}\n```\nThat should work.';
		const result = validate(broken, { task: 'code' });
		expect(result.ok).toBe(false);
		expect(codes(result)).toEqual(['syntax_error']);
		expect(result.findings[0].message).toMatch(/^typescript block 1 does not parse: line 3:23 Expression expected\.; line 4:/);
		expect(result.retry?.adjust).toEqual({ temperature: RETRY_TEMPERATURE });
	});

	it('parses JavaScript, JSX and unlabelled blocks in the analysed language', () => {
		expect(codes(validate('```js\nconst f = (x) => x * 2;\nconsole.log(f(2));\n```', { task: 'code' }))).toEqual([]);
		expect(codes(validate('```js\nconst f = (x) => { return x * 2;\n```', { task: 'code' }))).toEqual(['syntax_error']);
		expect(
			codes(validate('```ts\nexport const Card = () => <div className="card"><Title text="hi" /></div>;\n```', { task: 'code' }))
		).toEqual([]);
		expect(codes(validate('```\nlet x = ;\n```', { task: 'code', codeLanguage: 'typescript' }))).toEqual(['syntax_error']);
		expect(codes(validate('```\nlet x = ;\n```', { task: 'code' }))).toEqual([]); // unknown language: not checked
		expect(codes(validate('```python\ndef f(:\n```', { task: 'code' }))).toEqual([]); // only TS/JS are parsed
		expect(codes(validate('```ts\nfunction load() {\n  ...\n}\n```', { task: 'code' }))).toEqual([]); // "..." placeholder
	});

	it('warns when a code task gets no code block', () => {
		expect(codes(validate('You should use a debounce function from lodash for this.', { task: 'code' }))).toEqual(['no_code']);
	});

	it('checks JSON blocks and JSON answers', () => {
		expect(codes(validate('Config:\n```json\n{"a": 1,}\n```'))).toEqual(['invalid_json']);
		expect(codes(validate('Config:\n```json\n{"a": 1}\n```'))).toEqual([]);
		expect(codes(validate('{"fruit": "apple"', { codeLanguage: 'json' }))).toEqual(['invalid_json']);
		expect(codes(validate('{"fruit": "apple"}', { codeLanguage: 'json' }))).toEqual([]);
		expect(codes(validate('Here you go: {"fruit": "apple"} enjoy!', { codeLanguage: 'json' }))).toEqual(['json_extracted']);
		expect(codes(validate('I cannot produce that.', { jsonSchema: { type: 'object' } }))).toEqual(['invalid_json']);
	});

	describe('JSON schema', () => {
		const schema = {
			type: 'object',
			properties: {
				task: { enum: ['code', 'chat'] },
				confidence: { type: 'number', minimum: 0, maximum: 1 },
				tags: { type: 'array', items: { type: 'string' } }
			},
			required: ['task', 'confidence']
		};

		it('passes a matching answer', () => {
			expect(validate('{"task": "code", "confidence": 0.9, "tags": ["a"]}', { jsonSchema: schema })).toMatchObject({
				ok: true,
				findings: []
			});
		});

		it('reports each mismatch with its path', () => {
			const result = validate('{"task": "poem", "tags": [1]}', { jsonSchema: schema });
			expect(codes(result)).toEqual(['schema_mismatch']);
			expect(result.findings[0].message).toContain('task:');
			expect(result.findings[0].message).toContain('confidence:');
			expect(result.findings[0].message).toContain('tags.0:');
		});

		it('does not fail the answer over a schema it cannot read', () => {
			const result = validate('{"a": 1}', { jsonSchema: { $ref: 'https://example.com/elsewhere.json' } });
			expect(result.findings.map((f) => [f.code, f.severity])).toEqual([['schema_unsupported', 'warning']]);
			expect(result.ok).toBe(true);
		});
	});

	it('reports a cancelled run without asking for a retry', () => {
		expect(validate('Partial answ', { finishReason: 'cancelled' })).toMatchObject({
			ok: true,
			retry: null,
			findings: [{ code: 'cancelled', severity: 'info' }]
		});
		expect(validate('', { finishReason: 'cancelled' })).toMatchObject({ ok: false, retry: null });
	});

	it('scores worse answers lower', () => {
		const warningOnly = validate('You should use a debounce function from lodash for this.', { task: 'code' }).score;
		const oneError = validate('Try:\n```ts\nlet x = ;\n```', { task: 'code' }).score;
		const twoErrors = validate('Try:\n```ts\nlet x = ;\n```\n```json\n{,}\n```', { task: 'code' }).score;
		expect(1).toBeGreaterThan(warningOnly);
		expect(warningOnly).toBeGreaterThan(oneError);
		expect(oneError).toBeGreaterThan(twoErrors);
		expect(twoErrors).toBeGreaterThanOrEqual(0);
	});
});

describe('nextAttempt', () => {
	const syntaxError = validate('```ts\nlet x = ;\n```', { task: 'code' });

	it('walks the ladder: lower temperature, then the next model, then gives up', () => {
		expect(nextAttempt(syntaxError, 1, 3)).toEqual({ action: 'retry', reason: syntaxError.retry!.reason, temperature: RETRY_TEMPERATURE });
		expect(nextAttempt(syntaxError, 2, 3)).toEqual({ action: 'next-model', reason: syntaxError.retry!.reason });
		expect(nextAttempt(syntaxError, 3, 3)).toMatchObject({
			action: 'give-up',
			reason: expect.stringContaining('gave up after 3 attempt(s)')
		});
	});

	it('accepts a passing answer at any attempt', () => {
		expect(nextAttempt(validate(cleanProse), 1, 3).action).toBe('accept');
		expect(nextAttempt(validate(cleanProse, { finishReason: 'length' }), 3, 3).action).toBe('accept');
	});

	it('skips a same-model retry that could not change anything', () => {
		expect(nextAttempt(syntaxError, 1, 3, { temperature: 0.1 }).action).toBe('next-model');
		expect(nextAttempt(syntaxError, 1, 3, { temperature: 0.7 }).action).toBe('retry');
	});

	it('goes straight to another model for a loop, and gives up without fallbacks', () => {
		const loop = validate(`${'again and again we say the same thing here. '.repeat(8)}`);
		expect(nextAttempt(loop, 1, 3).action).toBe('next-model');
		expect(nextAttempt(loop, 1, 3, { fallbacksLeft: 0 }).action).toBe('give-up');
	});

	it('asks for more tokens after a cut-off, and never retries a cancelled run', () => {
		const cut = validate('The first phase builds two bus corridors and the second phase adds a light rail line to', {
			finishReason: 'length'
		});
		expect(nextAttempt(cut, 1, 3)).toMatchObject({ action: 'retry', maxTokensFactor: 2 });
		expect(nextAttempt(validate('', { finishReason: 'cancelled' }), 1, 3).action).toBe('give-up');
	});
});
