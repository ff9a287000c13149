// An OpenAI API caller's limits on the retry ladder. OpenAI returns a cut-off answer as it is (finish_reason
// "length") and never exceeds max_tokens, and a streamed answer cannot take back the tokens already sent: so for
// API runs a cut-off is accepted rather than retried with more tokens, and once a streamed attempt has sent text no
// second attempt follows it.
import type { ApiLimits } from '../../../src/lib/contract/runs';
import type { NextAttempt, ValidationResult } from './types';

/** The retry ladder's next step, narrowed to what the caller's limits allow. */
export function withinApiLimits(
	next: NextAttempt,
	limits: ApiLimits | undefined,
	validation: Pick<ValidationResult, 'retry'>,
	answer: { text: string }
): NextAttempt {
	if (!limits || next.action === 'accept' || next.action === 'give-up') return next;
	const adjust = validation.retry?.adjust;
	if (typeof adjust === 'object' && adjust.maxTokensFactor !== undefined)
		return { action: 'accept', reason: `cut off at the caller's max_tokens: returned as is (${next.reason})` };
	if (limits.streamed && answer.text.length > 0)
		return { action: 'give-up', reason: `already streamed to the caller, so no second attempt: ${next.reason}` };
	return next;
}

/** Whether an attempt that failed without an answer may be followed by another (not once a streamed one sent text). */
export const mayRetryFailure = (limits: ApiLimits | undefined, error: { afterText?: boolean } | null | undefined): boolean =>
	!(limits?.streamed && error?.afterText);
