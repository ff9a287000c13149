import { describe, expect, it } from 'vitest';
import { ModelError } from '../models/model-errors';
import { isModelUnavailable } from '../orchestrator/executor-node';
import { endsWithLostWorker } from './inference-client';

describe('a worker lost mid-answer', () => {
	it('starts the answer again elsewhere, unless a streamed API answer already sent text', () => {
		expect(endsWithLostWorker('w-a', { sentText: true })).toBeUndefined();
		expect(endsWithLostWorker('w-a', { noRestartAfterText: true, sentText: false })).toBeUndefined();
		const ends = endsWithLostWorker('w-a', { noRestartAfterText: true, sentText: true });
		expect(ends).toBeInstanceOf(ModelError);
		expect(ends!.message).toBe('worker w-a stopped while answering, after part of the answer was streamed');
		// The executor records it as a model that could not answer (with the text it sent), not as a bug.
		expect(isModelUnavailable(ends)).toBe(true);
	});
});
