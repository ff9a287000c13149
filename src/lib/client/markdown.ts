// Model output is untrusted: Markdown → HTML with marked (code highlighted by highlight.js), then sanitised by
// DOMPurify — no scripts, no event handlers, no javascript: or data: links, no styles, forms, frames or images
// (a remote image in an answer could leak the prompt through its URL). Browser only: on the server, plain text.
import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked } from 'marked';

const languages = { bash, css, diff, go, javascript, json, markdown, python, rust, shell, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);
for (const [alias, name] of Object.entries({
	js: 'javascript',
	ts: 'typescript',
	py: 'python',
	sh: 'bash',
	html: 'xml',
	yml: 'yaml',
	md: 'markdown',
	rs: 'rust'
})) {
	hljs.registerAliases(alias, { languageName: name });
}

const escapeHtml = (s: string) =>
	s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const marked = new Marked({
	gfm: true,
	renderer: {
		code({ text, lang }) {
			const name = (lang ?? '').trim().split(/\s+/)[0].toLowerCase();
			const known = /^[\w+-]+$/.test(name) && hljs.getLanguage(name);
			const body = known ? hljs.highlight(text, { language: name, ignoreIllegals: true }).value : escapeHtml(text);
			return `<pre><code class="hljs${known ? ` language-${name}` : ''}">${body}</code></pre>\n`;
		}
	}
});

let purifier: Purifier | null = null;

function purify(): Purifier | null {
	if (typeof window === 'undefined') return null;
	if (!purifier) {
		purifier = DOMPurify(window);
		purifier.addHook('afterSanitizeAttributes', (node) => {
			if (node.tagName === 'A' && node.hasAttribute('href')) {
				node.setAttribute('target', '_blank');
				node.setAttribute('rel', 'noopener noreferrer nofollow');
			}
		});
	}
	return purifier;
}

/** Safe HTML for an answer (partial Markdown while it streams is fine). */
export function renderMarkdown(source: string): string {
	const p = purify();
	if (!p) return escapeHtml(source);
	const html = marked.parse(source, { async: false });
	return p.sanitize(html, {
		USE_PROFILES: { html: true },
		FORBID_TAGS: [
			'style',
			'form',
			'input',
			'button',
			'textarea',
			'select',
			'iframe',
			'object',
			'embed',
			'img',
			'svg',
			'math',
			'video',
			'audio',
			'source',
			'link',
			'meta',
			'base'
		],
		FORBID_ATTR: ['style', 'srcset', 'action', 'formaction'],
		ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/(?!\/))/i
	});
}
