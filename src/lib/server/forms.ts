import { fail } from '@sveltejs/kit';
import type { z } from 'zod';

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

/** Only same-site relative paths may be redirect targets (no open redirects). */
export function safeNext(next: string | null | undefined, fallback = '/rooms'): string {
	return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}
