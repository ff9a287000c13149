import os from 'node:os';
import { END, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import type { ModelService } from '../models/service';
import { executeOnModel, isModelUnavailable } from './executor-node';
import { lightenLangChainContext } from './langchain-context';
import { askModelForJson } from './model-helpers';
import { executorNode } from './nodes/executor';
import { historyReaderNode } from './nodes/history-reader';
import { modelRouterNode } from './nodes/model-router';
import type { GraphNode, NodeDeps } from './nodes/node-deps';
import { outputValidatorNode } from './nodes/output-validator';
import { resourceMonitorNode } from './nodes/resource-monitor';
import { summarizerNode } from './nodes/summarizer';
import { taskAnalyzerNode } from './nodes/task-analyzer';
import type { RouteCandidate } from './nodes/types';
import { runContextOf } from './run-context';
import type { RunsRepository } from './runs.repository';
import { RunState } from './state';

export interface GraphDeps {
	models: ModelService;
	runs: RunsRepository;
	/** Rooms using each model right now (from the runner), for the router's swap penalty. */
	roomsByModel(): Record<string, string[]>;
	activeRuns(): number;
	classifierModelId?: string;
	summaryModelId?: string;
	/** Capabilities served elsewhere (a cluster's workers) instead of this process's model cache. */
	override?: Partial<Pick<NodeDeps, 'askModelForJson' | 'executeOnModel' | 'resources' | 'candidates' | 'placement'>>;
}

/** The seven-node graph: wiring only. Each node's logic lives in ./nodes, fed by the capabilities built here. */
export function buildRunGraph(deps: GraphDeps, checkpointer: BaseCheckpointSaver) {
	lightenLangChainContext(); // no LangSmith RunTree per step while tracing is off
	const nodeDeps = nodeDepsFrom(deps);
	// Every node's work is tracked by its run's context, so a cancelled run ends only after its nodes stopped.
	const tracked =
		(node: GraphNode): GraphNode =>
		(s, config) =>
			runContextOf(config).track(node(s, config));

	return new StateGraph(RunState)
		.addNode('taskAnalyzer', tracked(taskAnalyzerNode(nodeDeps)))
		.addNode('historyReader', tracked(historyReaderNode(nodeDeps)))
		.addNode('resourceMonitor', tracked(resourceMonitorNode(nodeDeps)))
		.addNode('modelRouter', tracked(modelRouterNode(nodeDeps)))
		.addNode('executor', tracked(executorNode(nodeDeps)))
		.addNode('outputValidator', tracked(outputValidatorNode()))
		.addNode('summarizer', tracked(summarizerNode(nodeDeps)))
		.addEdge(START, 'taskAnalyzer')
		.addEdge(START, 'historyReader')
		.addEdge(START, 'resourceMonitor')
		.addEdge(['taskAnalyzer', 'historyReader', 'resourceMonitor'], 'modelRouter')
		.addConditionalEdges('modelRouter', (s) => (s.rejected || (s.mode !== 'compare' && !s.modelId) ? END : 'executor'), ['executor', END])
		.addEdge('executor', 'outputValidator')
		.addConditionalEdges('outputValidator', (s) => (s.outcome === 'retry' || s.outcome === 'next-model' ? 'executor' : 'summarizer'), [
			'executor',
			'summarizer'
		])
		.addEdge('summarizer', END)
		.compile({ checkpointer });
}

export type RunGraph = ReturnType<typeof buildRunGraph>;

function nodeDepsFrom(deps: GraphDeps): NodeDeps {
	const { models, runs } = deps;
	return {
		classifierModelId: deps.classifierModelId,
		summaryModelId: deps.summaryModelId,
		askModelForJson: (modelId, messages, schema, options) => askModelForJson(models, modelId, messages, schema, options),
		executeOnModel: (input) => executeOnModel({ ...input, models }),
		unavailable: (err) => (isModelUnavailable(err) ? { code: err.code, message: err.message } : undefined),
		recentRuns: (roomId, limit) => runs.recentAnswered(roomId, limit),
		resources() {
			const { manager } = models;
			const status = manager.status();
			return {
				models: status,
				budget: manager.getBudget(),
				used: manager.used(),
				system: { freeRamBytes: os.freemem(), totalRamBytes: os.totalmem() },
				gpu: { available: manager.getBudget().vramBytes > 0 },
				queueDepth: status.reduce((n, m) => n + m.queued, 0),
				activeRuns: deps.activeRuns(),
				leasesByRoom: deps.roomsByModel()
			};
		},
		candidates: () => candidates(models),
		...deps.override
	};
}

async function candidates(models: ModelService): Promise<RouteCandidate[]> {
	const present = models.list().filter((m) => m.present);
	return Promise.all(
		present.map(async (m) => {
			const [needs, tools] = await Promise.all([models.estimate(m.id)?.catch(() => undefined), models.callsFunctions(m.id)]);
			return {
				id: m.id,
				displayName: m.displayName,
				capabilities: m.capabilities as RouteCandidate['capabilities'],
				quality: m.quality,
				estimatedRamBytes: needs?.ramBytes ?? Number.MAX_SAFE_INTEGER,
				estimatedVramBytes: needs?.vramBytes ?? 0,
				present: needs !== undefined,
				tools
			};
		})
	);
}
