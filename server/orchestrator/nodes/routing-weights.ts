// The router's constants: how much each kind of cost weighs, and how well one ability stands in for another.
import type { Capability, TaskKind } from './types';

export const routingWeights = {
	/** Memory fit when other (idle) models must be evicted first. */
	memoryFitEvicting: 0.9,
	/** Cost of loading: a base plus a little per GiB, capped (load time grows with size). */
	loadBase: 0.03,
	loadPerGiB: 0.01,
	loadMax: 0.08,
	/** Per idle model evicted, and extra when another room is using it (its next run pays the reload). */
	evictIdle: 0.02,
	evictOtherRoom: 0.25,
	/** A loaded model busy with runs: other rooms' (or unknown) runs, own room's, plus per queued run. */
	busyOtherRoom: 0.15,
	busyOwnRoom: 0.03,
	busyPerQueued: 0.03
} as const;

/** A model lacking the task borrows a related ability at a discount: [capability, fit]. */
export const relatedCapabilities: Record<TaskKind, [Capability, number][]> = {
	code: [
		['reasoning', 0.4],
		['chat', 0.3]
	],
	math: [
		['reasoning', 0.7],
		['code', 0.4],
		['chat', 0.3]
	],
	reasoning: [
		['math', 0.6],
		['chat', 0.5],
		['code', 0.3]
	],
	summarize: [
		['chat', 0.7],
		['reasoning', 0.5],
		['creative', 0.4]
	],
	creative: [
		['chat', 0.6],
		['summarize', 0.3]
	],
	chat: [
		['creative', 0.6],
		['summarize', 0.5],
		['reasoning', 0.5],
		['code', 0.3],
		['math', 0.2]
	]
};

/** Any model can produce text: the fit when nothing related is listed. */
export const GENERIC_FIT = 0.1;
/** Quality assumed for a listed capability without a score. */
export const UNSCORED_QUALITY = 0.5;

export const round = (n: number) => Math.round(n * 1e4) / 1e4;
export const gib = (bytes: number) => bytes / 1024 ** 3;
