// Presentation only: how each node and run status looks.
import type { RunStatus } from '$contract/runs';
import type { NodeStatus } from '$lib/client/run-view.svelte';

export const NODE_STATUS_CLASS: Record<NodeStatus, string> = {
	idle: 'border-zinc-300 bg-white text-zinc-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-400',
	running: 'border-accent-500 bg-sky-50 text-zinc-900 ring-4 ring-accent-500/25 dark:bg-sky-950/60 dark:text-zinc-50',
	done: 'border-emerald-500 bg-emerald-50 text-zinc-900 dark:bg-emerald-950/50 dark:text-zinc-50',
	failed: 'border-red-500 bg-red-50 text-red-900 dark:bg-red-950/50 dark:text-red-100',
	waiting: 'border-amber-500 bg-amber-50 text-amber-950 ring-4 ring-amber-500/25 dark:bg-amber-950/50 dark:text-amber-50',
	skipped: 'border-dashed border-zinc-300 bg-zinc-50 text-zinc-600 dark:border-zinc-700 dark:bg-zinc-900/60 dark:text-zinc-400',
	inherited: 'border-dotted border-emerald-600 bg-zinc-50 text-zinc-700 dark:border-emerald-500 dark:bg-zinc-900/60 dark:text-zinc-300'
};

export const NODE_STATUS_TEXT: Record<NodeStatus, string> = {
	idle: 'idle',
	running: 'running',
	done: 'done',
	failed: 'failed',
	waiting: 'needs approval',
	skipped: 'skipped',
	inherited: 'inherited'
};

export const RUN_STATUS_CLASS: Record<RunStatus, string> = {
	queued: 'bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
	running: 'bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200',
	waiting_approval: 'bg-amber-100 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100',
	succeeded: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
	failed_validation: 'bg-orange-100 text-orange-900 dark:bg-orange-900/50 dark:text-orange-100',
	failed: 'bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-200',
	cancelled: 'bg-zinc-200 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400'
};

export const RUN_STATUS_TEXT: Record<RunStatus, string> = {
	queued: 'queued',
	running: 'running',
	waiting_approval: 'waiting for approval',
	succeeded: 'succeeded',
	failed_validation: 'failed checks',
	failed: 'failed',
	cancelled: 'cancelled'
};
