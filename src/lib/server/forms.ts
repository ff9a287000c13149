import { error, fail } from '@sveltejs/kit';
import type { z } from 'zod';

/** The request's form data. A body that is not form data is the client's mistake: 400, not a 500 from the parser. */
export async function readForm(request: Request): Promise<FormData> {
	try {
		return await request.formData();
	} catch {
		error(400, { message: 'Send the form as application/x-www-form-urlencoded or multipart/form-data', code: 'bad_request' });
	}
}

/** Validates a form with a zod schema; on failure returns SvelteKit's fail(400) with per-field messages. */
export function parseForm<S extends z.ZodType>(form: FormData, schema: S, keep: string[] = []) {
	const raw = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string')) as Record<string, string>;
	const parsed = schema.safeParse(raw);
	if (parsed.success) return { ok: true as const, data: parsed.data as z.output<S> };
	const errors: Record<string, string> = {};
	for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
	const values = Object.fromEntries(keep.map((k) => [k, raw[k]]));
	return { ok: false as const, failure: formFailure(400, errors, values) };
}

/** Every form action fails in this one shape, so pages can read `form.errors.x` / `form.values.x` uniformly. */
export function formFailure(status: number, errors: Record<string, string>, values: Record<string, string | undefined> = {}) {
	return fail(status, { errors, values });
}

const PLACEHOLDER_ORIGIN = 'http://switchyard.invalid';

/**
 * Only same-site paths may be redirect targets (no open redirects). Checking the string is not enough: browsers
 * read `/\evil.example` as `//evil.example`, drop tabs and newlines (`/\t/evil.example`), and collapse dot
 * segments (`/.//evil.example`). So the target is parsed as a browser would, relative to a placeholder origin, and
 * only a normalised path that stays on that origin (and cannot be read as another host) is returned.
 */
export function safeNext(next: string | null | undefined, fallback = '/rooms'): string {
	if (!next || !next.startsWith('/') || next.length > 2048) return fallback;
	let url: URL;
	try {
		url = new URL(next, PLACEHOLDER_ORIGIN);
	} catch {
		return fallback;
	}
	if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
	const path = `${url.pathname}${url.search}${url.hash}`;
	return path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') ? path : fallback;
}
