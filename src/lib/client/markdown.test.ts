// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { renderMarkdown } from './markdown';

function dom(html: string) {
	const div = document.createElement('div');
	div.innerHTML = html;
	return div;
}

describe('renderMarkdown', () => {
	test('renders Markdown with highlighted code', () => {
		const html = renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n```ts\nconst x: number = 1;\n```\n');
		const d = dom(html);
		expect(d.querySelector('h1')?.textContent).toBe('Title');
		expect(d.querySelector('strong')?.textContent).toBe('bold');
		expect(d.querySelector('pre code.language-typescript, pre code.language-ts')).not.toBeNull();
		expect(d.querySelector('pre code .hljs-keyword')?.textContent).toBe('const');
	});

	test('unknown languages are escaped, not executed', () => {
		const d = dom(renderMarkdown('```nope\n<script>alert(1)</script>\n```'));
		expect(d.querySelector('script')).toBeNull();
		expect(d.querySelector('code')?.textContent).toContain('<script>alert(1)</script>');
	});

	test.each([
		['a script tag', 'Hi <script>window.pwned = 1</script> there'],
		['an event handler', '<div onclick="window.pwned=1" onmouseover="x()">hover</div>'],
		['an image with onerror', '<img src=x onerror="window.pwned=1">'],
		['an svg payload', '<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>'],
		['an iframe', '<iframe src="javascript:alert(1)"></iframe>'],
		['a style tag', '<style>body{display:none}</style>text'],
		['a form', '<form action="https://evil.example"><button formaction="javascript:alert(1)">go</button></form>']
	])('%s is made inert', (_name, source) => {
		const html = renderMarkdown(source);
		const d = dom(html);
		expect(d.querySelector('script, iframe, style, form, button, img, svg')).toBeNull();
		for (const el of d.querySelectorAll('*')) {
			for (const attr of el.attributes) expect(attr.name.startsWith('on')).toBe(false);
		}
		expect(html).not.toMatch(/javascript:/i);
	});

	test('javascript: and data: links lose their href; web links open safely in a new tab', () => {
		const d = dom(
			renderMarkdown('[bad](javascript:alert(1)) [worse](data:text/html,<script>alert(1)</script>) [good](https://example.com/docs)')
		);
		const links = [...d.querySelectorAll('a')];
		expect(links.filter((a) => a.getAttribute('href')?.startsWith('https://'))).toHaveLength(1);
		for (const a of links) expect(a.getAttribute('href') ?? '').not.toMatch(/^(javascript|data):/i);
		const good = links.find((a) => a.textContent === 'good')!;
		expect(good.getAttribute('target')).toBe('_blank');
		expect(good.getAttribute('rel')).toBe('noopener noreferrer nofollow');
	});

	test('partial Markdown while streaming renders without throwing', () => {
		expect(() => renderMarkdown('```py\ndef f(')).not.toThrow();
		expect(dom(renderMarkdown('**half')).textContent).toContain('half');
	});
});
