import { NODE_NAMES, type NodeName, type RunEventData, type RunEventType } from '../../src/lib/contract/runs';
import { compactOutput } from './node-output';
import type { RunStateType, RunStateUpdate } from './state';

/** One chunk of LangGraph's `tasks` stream mode: a node starting (no result yet) or its result. */
export interface TaskChunk {
	id: string;
	name: string;
	input?: unknown;
	result?: RunStateUpdate;
	interrupts?: { value: unknown }[];
	error?: unknown;
}

/** A run event before the log numbers it. */
export type PendingEvent = { [K in RunEventType]: { type: K; data: RunEventData[K] } }[RunEventType];

/**
 * Translates the graph's task stream into run events: node started/finished/skipped/failed with durations, the
 * approval interrupt, the router's decision and the summary. Pure but for the start times it remembers per task.
 */
export class TaskStreamTranslator {
	private readonly started = new Map<string, number>();

	constructor(private readonly now: () => number = () => performance.now()) {}

	translate(task: TaskChunk): PendingEvent[] {
		if (!(NODE_NAMES as readonly string[]).includes(task.name)) return [];
		const node = task.name as NodeName;
		if (!('result' in task) && !task.error) {
			this.started.set(task.id, this.now());
			return [{ type: 'node.started', data: { node } }];
		}
		const startedAt = this.started.get(task.id);
		this.started.delete(task.id);
		const ms = startedAt === undefined ? 0 : Math.round((this.now() - startedAt) * 10) / 10;
		if (task.interrupts?.length) {
			const value = task.interrupts[0].value as RunEventData['run.interrupted'];
			return [
				{ type: 'run.interrupted', data: { kind: 'approval', modelId: value.modelId, reasons: value.reasons, fallbacks: value.fallbacks } }
			];
		}
		if (task.error) return [{ type: 'node.failed', data: { node, ms, error: 'The step failed' } }];
		const result = task.result ?? {};
		const events: PendingEvent[] = [];
		const skip = (result.skipped as RunStateType['skipped'] | undefined)?.find((s) => s.node === node);
		if (skip) events.push({ type: 'node.skipped', data: { node, reason: skip.reason } });
		else events.push({ type: 'node.finished', data: { node, ms, output: compactOutput(node, result) } });
		if (node === 'modelRouter' && result.routing) {
			events.push({
				type: 'routing.decided',
				data: { modelId: result.routing.modelId, reasons: result.routing.reasons, fallbacks: result.routing.fallbacks, task: null }
			});
		}
		if (node === 'summarizer' && result.summary) events.push({ type: 'run.summary', data: result.summary });
		return events;
	}
}
