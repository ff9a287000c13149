// Shared shapes of the orchestrator's decision nodes. The nodes are pure functions: the LangGraph wiring feeds them
// data it gathered (manager status, catalogue, stored runs) and stores what they return in the graph state.
import type { Capability } from '../../models/catalog';
import type { ChatMessage, FinishReason } from '../../models/executor';
import type { Budget, ModelState, ModelStatus } from '../../models/manager';
import type { Footprint } from '../../models/loader';

export type { Budget, Capability, ChatMessage, FinishReason, Footprint, ModelStatus };

/** What a prompt asks for. The same names as catalogue capabilities, so a task maps straight onto model quality. */
export type TaskKind = Capability;

export type CodeLanguage =
	| 'typescript'
	| 'tsx'
	| 'javascript'
	| 'jsx'
	| 'json'
	| 'python'
	| 'bash'
	| 'sql'
	| 'html'
	| 'css'
	| 'rust'
	| 'go'
	| 'java'
	| 'c'
	| 'cpp'
	| 'csharp'
	| 'ruby'
	| 'php'
	| 'yaml';

// ── task analyzer ──────────────────────────────────────────────────────────────────────────────────────────────

export interface TaskAnalysis {
	task: TaskKind;
	/** 0–1: how sure the analysis is (margin over the runner-up, and how strong the signals were). */
	confidence: number;
	/** Human-readable reasons, e.g. `code fence (typescript) → code`. */
	features: string[];
	/** Normalised to sum to 1: a distribution over tasks. */
	scores: Record<TaskKind, number>;
	/** The prompt asks for the answer itself to be JSON. */
	wantsJson: boolean;
	codeLanguage?: CodeLanguage;
	/** The run offers tools the model may call (the run request's output): the router prefers models that call functions. */
	needsTools?: boolean;
}

export interface ClassifierResult {
	task: TaskKind;
	confidence: number;
}

// ── history reader ─────────────────────────────────────────────────────────────────────────────────────────────

export interface HistoryRun {
	prompt: string;
	answer: string;
	title?: string;
	/** Epoch milliseconds, ISO string or Date: runs are ordered by it, not by array position. */
	createdAt: number | string | Date;
}

export interface HistoryInput {
	rollingSummary?: string;
	recentRuns: HistoryRun[];
	tokenBudget: number;
	countTokens: (text: string) => number;
	/** Chat-template tokens added per message (the executor assumes about 8). Defaults to 0. */
	messageOverheadTokens?: number;
}

export interface HistoryResult {
	messages: ChatMessage[];
	usedTokens: number;
	includedRuns: number;
	/** Runs included with a shortened prompt or answer. */
	truncatedRuns: number;
	summaryIncluded: boolean;
}

// ── resource monitor ───────────────────────────────────────────────────────────────────────────────────────────

export interface ResourceInput {
	models: ModelStatus[];
	budget: Budget;
	used: Footprint;
	system: { freeRamBytes: number; totalRamBytes: number };
	gpu: { available: boolean; freeVramBytes?: number; totalVramBytes?: number };
	queueDepth: number;
	activeRuns: number;
	/** Rooms using each model: runs holding it now, or rooms whose conversation is on it. */
	leasesByRoom?: Record<string, string[]>;
}

/** The router's view of a cached model: its cache status, narrowed, plus what the resource monitor derives. */
export interface ModelSnapshot extends Pick<
	ModelStatus,
	'id' | 'state' | 'ramBytes' | 'vramBytes' | 'leases' | 'queued' | 'pinned' | 'lastUsedAt'
> {
	/** Loading, leased or with runs waiting. */
	busy: boolean;
	/** What the manager may evict to make room: ready, no leases, not pinned. */
	evictable: boolean;
	/** Rooms using it (sorted, unique); empty when unknown. */
	rooms: string[];
}

export interface ResourceSnapshot {
	budget: Budget;
	used: Footprint;
	/** Budget minus reservations, floored at 0: what a load may take without evicting anything. */
	freeBudgetBytes: Footprint;
	/** Ready models, by id. */
	loadedModelIds: string[];
	loadingModelIds: string[];
	busyModels: { modelId: string; leases: number; queued: number; rooms: string[] }[];
	/** Every model the manager holds, least recently used first (the manager's eviction order). */
	models: ModelSnapshot[];
	system: { freeRamBytes: number; totalRamBytes: number; usedFraction: number };
	gpu: { available: boolean; freeVramBytes: number | null; totalVramBytes: number | null };
	queueDepth: number;
	activeRuns: number;
	/** Conditions worth showing an admin, e.g. the machine has less free RAM than the budget promises. */
	warnings: string[];
}

// ── model router ───────────────────────────────────────────────────────────────────────────────────────────────

export interface RouteCandidate {
	id: string;
	displayName: string;
	capabilities: Capability[];
	quality: Partial<Record<Capability, number>>;
	estimatedRamBytes: number;
	estimatedVramBytes: number;
	/** The GGUF file is on disk. */
	present: boolean;
	/** Calls functions: declared in the catalogue, or its chat template has a function-call syntax of its own. */
	tools?: boolean;
}

export interface RoutingInput {
	/** Only the task and the need for tools are used; a whole TaskAnalysis fits. */
	analysis: Pick<TaskAnalysis, 'task' | 'needsTools'>;
	candidates: RouteCandidate[];
	resources: ResourceSnapshot;
	roomId: string;
	pinnedModelId?: string;
	/** Who pinned it, for the reason text ("room", "user"). */
	pinnedBy?: string;
	/** Models not to use, e.g. ones that already failed this run. */
	exclude?: string[];
}

export interface RoutingTableRow {
	modelId: string;
	capabilityFit: number;
	quality: number;
	memoryFit: number;
	swapPenalty: number;
	total: number;
	/** Why the model cannot be used; absent when usable. */
	excluded?: string;
	/** Idle models the manager would evict to load it. */
	evicts: string[];
	notes: string[];
	/** Calls functions (ranked first when the run offers tools). */
	tools?: boolean;
}

export interface RoutingDecision {
	modelId: string;
	score: number;
	reasons: string[];
	/** Usable runner-ups, best first. */
	fallbacks: { modelId: string; score: number }[];
	table: RoutingTableRow[];
}

// ── output validator ───────────────────────────────────────────────────────────────────────────────────────────

export type Severity = 'error' | 'warning' | 'info';

export type FindingCode =
	| 'empty'
	| 'cut_off'
	| 'ends_mid_sentence'
	| 'cancelled'
	| 'repetition'
	| 'unbalanced_fence'
	| 'syntax_error'
	| 'invalid_json'
	| 'schema_mismatch'
	| 'schema_unsupported'
	| 'json_extracted'
	| 'no_code';

export interface Finding {
	code: FindingCode;
	severity: Severity;
	message: string;
}

export type RetryAdjust = { temperature?: number; maxTokensFactor?: number } | 'next-model';

export interface ValidationResult {
	ok: boolean;
	score: number;
	findings: Finding[];
	/** What a retry should change, judged from this answer alone; null when no retry would help. */
	retry: null | { reason: string; adjust: RetryAdjust };
}

export type NextAttempt =
	| { action: 'accept'; reason: string }
	| { action: 'retry'; reason: string; temperature?: number; maxTokensFactor?: number }
	| { action: 'next-model'; reason: string }
	| { action: 'give-up'; reason: string };

// ── summarizer ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface RunDigest {
	title: string;
	summary: string;
}
