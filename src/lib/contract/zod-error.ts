import type { z } from 'zod';

/** The first problem of a failed parse as one line: `path: message` (or `subject: message` at the top level). */
export function describeZodError(error: z.ZodError, subject = 'request'): string {
	const issue = error.issues[0];
	if (!issue) return `${subject}: invalid`;
	return `${issue.path.join('.') || subject}: ${issue.message}`;
}
