// When and where a run is driven. One process: at once, behind the room's earlier runs (RoomQueue). A cluster: a
// durable BullMQ job that any driver may take (server/cluster/run-queue.ts). What a run starts from is plain data
// here, because a cluster carries it through Redis.
import { Command } from '@langchain/langgraph';
import type { ApprovalDecision, NodeName } from '../../src/lib/contract/runs';
import { RoomQueue, type RunPolicy } from './room-queue';
import type { RunDriver, RunInput } from './run-driver';
import type { RunStateUpdate } from './state';

/** What a run's graph starts from: a new state, an approval's answer, a fork point, or its last checkpoint. */
export type RunStart =
	| { kind: 'state'; state: RunStateUpdate }
	| { kind: 'resume'; decision: ApprovalDecision }
	| { kind: 'goto'; node: NodeName }
	| { kind: 'checkpoint' };

export interface ScheduledRun {
	runId: string;
	roomId: string;
	policy: RunPolicy;
	start: RunStart;
	/** The run was interrupted (a restart, a driver that died) and continues. */
	recovered?: boolean;
}

export interface RunScheduler {
	/** True when another process may drive the run: the caller stores the run's events first. */
	readonly distributed: boolean;
	schedule(run: ScheduledRun): Promise<void>;
	/** Asks whichever process drives the run to stop it (a cluster); the in-process driver is asked directly. */
	requestCancel?(runId: string, by: string | null): Promise<void>;
	close(): Promise<void>;
}

export function toRunInput(start: RunStart): RunInput {
	switch (start.kind) {
		case 'state':
			return start.state;
		case 'resume':
			return new Command({ resume: start.decision });
		case 'goto':
			return new Command({ goto: start.node });
		case 'checkpoint':
			return null;
	}
}

/** One process: the run is driven here, after the room's earlier runs under the 'queue' policy. */
export function memoryScheduler(driver: RunDriver): RunScheduler {
	const queue = new RoomQueue();
	return {
		distributed: false,
		async schedule(run) {
			const settled = driver.register(run.runId, run.roomId);
			driver.launch(run.runId, toRunInput(run.start), queue.enter(run.roomId, run.policy, settled), { recovered: run.recovered });
		},
		async close() {}
	};
}
