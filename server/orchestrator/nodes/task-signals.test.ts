import { describe, expect, it } from 'vitest';
import { detectLanguage, languageFromInfo } from './task-signals';

describe('code fence languages', () => {
	it('names the language of a fence info string', () => {
		expect(languageFromInfo('ts {title="x"}')).toBe('typescript');
		expect(languageFromInfo('Python')).toBe('python');
		expect(languageFromInfo('brainfuck')).toBeUndefined();
	});

	it('does not take Object.prototype members for languages (the info string is the prompt author’s)', () => {
		for (const info of ['constructor', '__proto__', 'tostring', 'valueof', 'hasownproperty', '__definegetter__'])
			expect(languageFromInfo(info), info).toBeUndefined();
		expect(detectLanguage('```constructor\nx\n```', ['constructor'])).toBeUndefined();
	});
});
