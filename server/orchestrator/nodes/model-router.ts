// Model router node: the router's choice (route-model.ts; the hand-picked model in direct mode), then the approval
// gate when the room asks for one.
import { interrupt } from '@langchain/langgraph';
import type { ApprovalDecision } from '../../../src/lib/contract/runs';
import type { RunStateUpdate } from '../state';
import type { GraphNode, NodeDeps } from './node-deps';
import { RoutingError, routeModel } from './route-model';

export { RoutingError, routeModel } from './route-model';
export { routingWeights } from './routing-weights';

/** What the approval gate shows and what an answer to it changes. */
export function applyApproval(update: RunStateUpdate, decision: ApprovalDecision, sampling: RunStateUpdate['sampling']): RunStateUpdate {
	if (decision.action === 'reject') return { ...update, decision, rejected: true };
	if (decision.action === 'override')
		return { ...update, decision, modelId: decision.modelId ?? update.modelId, sampling: { ...sampling, ...decision.sampling } };
	return { ...update, decision };
}

/**
 * The node: the router's choice (the hand-picked model in direct mode), then the approval gate when the room asks
 * for one. Everything before interrupt() runs again when the run resumes (LangGraph re-runs the node): it is pure.
 */
export const modelRouterNode =
	(deps: NodeDeps): GraphNode =>
	async (s) => {
		if (s.mode === 'compare') return { skipped: [{ node: 'modelRouter', reason: 'compare mode: models chosen by hand' }] };
		let update: RunStateUpdate;
		if (s.mode === 'direct') update = { modelId: s.request.modelId!, routing: null };
		else {
			try {
				const routing = routeModel({
					analysis: s.analysis!,
					candidates: await deps.candidates(),
					resources: s.resources!,
					roomId: s.roomId,
					pinnedModelId: s.request.modelId,
					pinnedBy: 'room'
				});
				const where = await deps.placement?.(routing.modelId);
				update = { routing: where ? { ...routing, reasons: [...routing.reasons, where] } : routing, modelId: routing.modelId };
			} catch (err) {
				if (!(err instanceof RoutingError)) throw err;
				return { routing: null, modelId: null, error: { code: 'no_model', message: err.message } };
			}
		}
		if (!s.request.approvalGate) return update;
		const decision = interrupt({
			kind: 'approval',
			modelId: update.modelId,
			reasons: update.routing?.reasons ?? ['chosen by hand (direct mode)'],
			fallbacks: update.routing?.fallbacks ?? []
		}) as ApprovalDecision;
		return applyApproval(update, decision, s.sampling);
	};
