// Live room events: runs streamed to everyone in a room, steering over the socket, the activity feed, telemetry.
import { z } from 'zod';
import type { TelemetrySample } from './telemetry';
import { roomIdSchema } from './rooms';
import {
	approvalDecisionSchema,
	forkRequestSchema,
	RUN_MODES,
	runRequestSchema,
	samplingSchema,
	type RunEvent,
	type RunSummary
} from './runs';

export type { TelemetrySample };

const runIdSchema = z.string().regex(/^[a-z2-7]{8,64}$/, 'not a run id');

/**
 * Start a run. With `prompt` it runs that text; without, it runs the room's shared draft (the Yjs prompt and
 * settings), so whoever presses Run starts exactly what everyone sees.
 */
export const runStartSchema = z.object({
	roomId: roomIdSchema,
	prompt: z.string().max(32_000).optional(),
	mode: z.enum(RUN_MODES).optional(),
	modelId: z.string().max(100).optional(),
	compareModelIds: z.array(z.string().max(100)).min(2).max(4).optional(),
	sampling: samplingSchema.optional(),
	approvalGate: z.boolean().optional()
});
export const runIdPayloadSchema = z.object({ runId: runIdSchema });
export const runResumeSchema = z.object({ runId: runIdSchema, decision: approvalDecisionSchema });
export const runForkSchema = forkRequestSchema.extend({ runId: runIdSchema });
export const runReplaySchema = z.object({ runId: runIdSchema, afterSeq: z.number().int().min(0) });

export { runRequestSchema };

/** A run event as broadcast to a room. */
export type RoomRunEvent = RunEvent & { roomId: string };

export type ActivityAction =
	| 'run.started'
	| 'run.cancelled'
	| 'run.approved'
	| 'run.rejected'
	| 'run.overridden'
	| 'run.forked'
	/** An API caller embedded texts (`/v1/embeddings`); the detail names the model and how many. */
	| 'embeddings.created';

export interface ActivityItem {
	id: string;
	roomId: string;
	ts: number;
	actor: { id: string; name: string };
	action: ActivityAction;
	runId: string | null;
	detail: string | null;
}

/** What `room:join` returns besides the room: enough to draw the room as it is now, then follow live events. */
export interface RoomSnapshot {
	/** Runs not yet finished (running, queued, waiting for approval), each with the last seq already stored/sent. */
	activeRuns: RunSummary[];
	/** The latest finished runs, newest first. */
	recentRuns: RunSummary[];
	activity: ActivityItem[];
	/** The last 10 minutes of telemetry, oldest first (charts start full). */
	telemetry: TelemetrySample[];
}
