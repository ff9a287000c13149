import type { AnsweredStatus, RunEventData } from '../../src/lib/contract/runs';
import type { RunsTable } from '../storage/schema';
import type { RunStateType } from './state';

type RowPatch = Partial<Omit<RunsTable, 'id'>>;

/** How a run that stopped moving is recorded: paused at the approval gate, or ended with its final event. */
export type Settlement =
	| { kind: 'waiting'; row: RowPatch }
	| { kind: 'answered'; row: RowPatch; status: AnsweredStatus; data: Omit<RunEventData['run.finished'], 'status'> }
	| { kind: 'failed'; row: RowPatch; data: RunEventData['run.failed'] }
	| { kind: 'cancelled'; row: RowPatch; data: RunEventData['run.cancelled'] };

/**
 * Decides how a run ends from the graph's final state. An answer that failed validation on every attempt is kept
 * and delivered, but the run says so (`failed_validation`), so history does not show it as a success.
 */
export function settleRun(
	values: RunStateType,
	run: { interrupted: boolean; aborted: boolean; cancelledBy: string | null | undefined }
): Settlement {
	if (run.interrupted)
		return { kind: 'waiting', row: { status: 'waiting_approval', model_id: values.modelId, task: values.analysis?.task ?? null } };
	const common: RowPatch = { model_id: values.answer?.modelId ?? values.modelId, task: values.analysis?.task ?? null };
	if (values.rejected) {
		const reason =
			values.decision?.action === 'reject' && values.decision.reason ? `rejected: ${values.decision.reason}` : 'rejected at approval';
		return { kind: 'cancelled', row: common, data: { reason, by: null } };
	}
	if (run.aborted || values.answer?.finishReason === 'cancelled') {
		return {
			kind: 'cancelled',
			row: { ...common, answer: values.answer?.text ?? null },
			data: { reason: 'cancelled by a member', by: run.cancelledBy ?? null }
		};
	}
	if (!values.answer) {
		return {
			kind: 'failed',
			row: common,
			data: { error: values.error?.message ?? 'No model could answer', code: values.error?.code ?? 'no_answer' }
		};
	}
	return {
		kind: 'answered',
		status: values.outcome === 'give-up' ? 'failed_validation' : 'succeeded',
		row: {
			...common,
			answer: values.answer.text,
			title: values.summary?.title ?? null,
			summary: values.summary?.summary ?? null,
			metrics: JSON.stringify(values.answer.metrics)
		},
		data: { modelId: values.answer.modelId, metrics: values.answer.metrics }
	};
}
