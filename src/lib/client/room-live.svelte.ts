// Everything live about one open room, wired together: the session (join, presence), the shared draft (Yjs),
// runs (live events, replay, steering), history and playback, the activity feed, telemetry and the model list.
// Components read from it and call its methods; they hold no logic of their own.
import type { ActivityItem, TelemetrySample } from '../contract/live';
import type { RoomDetail } from '../contract/rooms';
import type { ApprovalDecision, NodeName, RunEvent, RunSummary } from '../contract/runs';
import type { Result } from '../contract/result';
import type { PendingApproval } from './approval-attention.svelte';
import { ActivityFeed } from './activity-feed.svelte';
import { ModelCatalog } from './model-catalog.svelte';
import { PromptDoc } from './prompt-doc.svelte';
import { RoomRuns } from './room-runs.svelte';
import { RoomSession } from './room-session.svelte';
import { RunHistory } from './run-history.svelte';
import { RunPlayback } from './run-playback.svelte';
import type { RunView } from './run-view.svelte';
import type { AppSocket } from './socket';
import { TelemetryStore } from './telemetry.svelte';

const ENDS = new Set<RunEvent['type']>(['run.queued', 'run.finished', 'run.failed', 'run.cancelled', 'run.summary']);

export class RoomLive {
	readonly roomId: string;
	readonly session: RoomSession;
	readonly prompt: PromptDoc;
	readonly runs: RoomRuns;
	readonly activity: ActivityFeed;
	readonly telemetry = new TelemetryStore();
	readonly history: RunHistory;
	readonly playback = new RunPlayback();
	readonly models = new ModelCatalog();

	/** The node whose details are open in the graph panel. */
	selectedNode = $state<NodeName | null>(null);
	helpOpen = $state(false);
	/** A short message for everyone's eyes: why Run did nothing, a refused command… */
	notice = $state<string | null>(null);
	busy = $state(false);

	readonly #socket: AppSocket;
	readonly #initialRoom: RoomDetail;
	readonly #userId: string;
	/** Whether the first join was accepted (the document and history started). */
	#entered = false;

	constructor(socket: AppSocket, room: RoomDetail, user: { id: string; name: string }) {
		this.roomId = room.id;
		this.#socket = socket;
		this.#initialRoom = room;
		this.#userId = user.id;
		this.activity = new ActivityFeed(room.id);
		this.history = new RunHistory(room.id);
		this.runs = new RoomRuns(socket, room.id, { onEvent: this.#onRunEvent });
		this.prompt = new PromptDoc(room.id, user);
		this.session = new RoomSession(socket, room.id, {
			onJoined: (joined) => {
				// Only now: joining makes a visitor of a public room a member, and the document and the history
				// answer members only. Reconnects rejoin before the provider's own resync matters.
				if (!this.#entered) {
					this.#entered = true;
					this.prompt.connect(socket);
					void this.history.load();
				}
				this.runs.seed({ activeRuns: joined.activeRuns ?? [], recentRuns: joined.recentRuns ?? [] });
				this.activity.seed(joined.activity ?? []);
				this.telemetry.seed(joined.telemetry ?? []);
			}
		});
		socket.on('activity', this.#onActivity);
		socket.on('telemetry', this.#onTelemetry);
		void this.models.load();
	}

	/** The room as last heard (members, steering), before the first join the page's copy. */
	get room(): RoomDetail {
		return this.session.room ?? this.#initialRoom;
	}

	/** Whether this person may start, cancel, approve and fork runs (drivers-only rooms limit it). */
	get maySteer(): boolean {
		const room = this.room;
		if (room.steering !== 'drivers' || room.ownerId === this.#userId) return true;
		return room.members.some((m) => m.id === this.#userId && m.driver);
	}

	/** Owner: who may steer runs. */
	async setSteering(steering: RoomDetail['steering']) {
		await this.#updateRoom(`/api/rooms/${this.roomId}/steering`, { steering });
	}

	/** Owner: mark a member as a driver (or not). */
	async setDriver(userId: string, driver: boolean) {
		await this.#updateRoom(`/api/rooms/${this.roomId}/members/${userId}/driver`, { driver });
	}

	/** The run on screen: an opened history run, else the focused live one. */
	get shown(): RunView | null {
		return this.playback.view ?? this.runs.focused;
	}

	/** The history list with the live status of runs this page is following (it refreshes a moment later). */
	get historyRuns(): RunSummary[] {
		return this.history.runs.map((r) => {
			const live = this.runs.runs[r.id];
			return live && live.lastSeq > r.lastSeq && live.status !== r.status
				? { ...r, status: live.status, modelId: live.modelId ?? r.modelId }
				: r;
		});
	}

	/** A member's name, for "who asked" lines; runs of someone who has left read "Someone". */
	memberName(userId: string | null): string {
		return this.room.members.find((m) => m.id === userId)?.name ?? 'Someone';
	}

	/** The run waiting for approval that needs attention: the shown one first, else the newest waiting. */
	get pendingApproval(): PendingApproval | null {
		const shown = this.runs.focused;
		const run = shown?.interruption ? shown : this.runs.active.find((r) => r.interruption);
		if (!run?.interruption) return null;
		const { modelId, reasons } = run.interruption;
		return { runId: run.id, askedBy: this.memberName(run.authorId), modelId, reasons };
	}

	get inPlayback(): boolean {
		return this.playback.runId !== null;
	}

	/** Why Run cannot start now, or null. */
	get runBlocker(): string | null {
		if (this.session.status !== 'live') return 'Not connected';
		if (!this.maySteer) return 'Only drivers can run in this room';
		if (this.prompt.empty) return 'The prompt is empty';
		const s = this.prompt.settings;
		if (s.mode === 'direct' && s.model === 'auto') return 'Direct mode needs a model';
		if (s.mode === 'compare' && this.prompt.compareModels.length < 2) return 'Pick 2–4 models to compare';
		return null;
	}

	async run() {
		const blocker = this.runBlocker;
		if (blocker) return this.#say(blocker);
		this.busy = true;
		// The server runs the shared draft as it stands, compare models included (validated room settings).
		const result = await this.runs.start();
		this.busy = false;
		if (this.#report(result)) this.follow();
	}

	/** Cancels the focused run if it is going, else the newest running one. */
	async cancel() {
		const target = this.runs.cancellable;
		if (!target) return;
		if (!this.maySteer) return this.#say('Only drivers can cancel runs in this room');
		this.#report(await this.runs.cancel(target.id));
	}

	async decide(decision: ApprovalDecision) {
		const run = this.shown;
		if (!run || !run.interruption) return;
		this.#report(await this.runs.resume(run.id, decision));
	}

	/** Starts a new run from a node of the shown run (live or from history). */
	async forkFrom(node: NodeName) {
		const run = this.shown;
		if (!run) return;
		if (this.#report(await this.runs.fork(run.id, { node }))) {
			this.selectedNode = null;
			this.follow();
		}
	}

	/** Opens a run: a live one is focused, a finished one loads into the playback (its stored timeline). */
	async open(runId: string) {
		this.selectedNode = null;
		if (this.runs.runs[runId]?.active) {
			this.playback.close();
			this.runs.focus(runId, false);
			return;
		}
		await this.playback.open(runId);
	}

	/** Back to the live room: leaves playback and follows new runs. */
	follow() {
		this.playback.close();
		this.runs.focus(this.runs.active[0]?.id ?? this.runs.focusedId, true);
	}

	dismissNotice() {
		this.notice = null;
	}

	destroy() {
		this.#socket.off('activity', this.#onActivity);
		this.#socket.off('telemetry', this.#onTelemetry);
		this.session.destroy();
		this.runs.destroy();
		this.prompt.destroy();
		this.history.destroy();
		this.playback.close();
	}

	async #updateRoom(url: string, body: unknown) {
		const res = await fetch(url, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
			credentials: 'same-origin'
		});
		const data = (await res.json().catch(() => null)) as (RoomDetail & { message?: string }) | null;
		if (!res.ok || !data) return this.#say(data?.message ?? `Could not save (${res.status})`);
		this.session.room = data;
	}

	#report(result: Result<unknown>): boolean {
		if (!result.ok) this.#say(result.error.message);
		else this.notice = null;
		return result.ok;
	}

	#say(message: string) {
		this.notice = message;
	}

	#onRunEvent = (event: RunEvent, view: RunView) => {
		if (event.type === 'run.answer' && view.mode !== 'compare')
			this.telemetry.addAnswer(`${event.runId}:answer`, event.ts, event.data.modelId, event.data.metrics);
		if (event.type === 'compare.answer')
			this.telemetry.addAnswer(`${event.runId}:${event.data.modelId}`, event.ts, event.data.modelId, event.data.metrics);
		if (ENDS.has(event.type)) this.history.refreshSoon(400);
	};

	#onActivity = (item: ActivityItem) => this.activity.add(item);
	#onTelemetry = (sample: TelemetrySample) => this.telemetry.add(sample);
}
