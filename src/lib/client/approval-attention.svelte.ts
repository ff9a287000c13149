// A run waiting for approval needs someone's attention, also from people looking at another tab: while the page is
// hidden the tab's title carries a badge, and (when they allowed it) one browser notification per waiting run says
// who asked and which model the router proposed. Coming back to the tab clears the badge.

export interface PendingApproval {
	runId: string;
	/** Who started the run. */
	askedBy: string;
	/** The model the router proposed. */
	modelId: string;
	reasons: string[];
}

export type NotifyPermission = NotificationPermission | 'unsupported';

/** What the class needs from the browser (a test or a server render passes its own). */
export interface AttentionHost {
	hidden(): boolean;
	onVisibilityChange(listener: () => void): () => void;
	permission(): NotifyPermission;
	requestPermission(): Promise<NotifyPermission>;
	notify(title: string, body: string, tag: string): void;
}

export const browserHost = (): AttentionHost => ({
	hidden: () => document.visibilityState === 'hidden',
	onVisibilityChange(listener) {
		document.addEventListener('visibilitychange', listener);
		return () => document.removeEventListener('visibilitychange', listener);
	},
	permission: () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission),
	requestPermission: async () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.requestPermission()),
	notify: (title, body, tag) => void new Notification(title, { body, tag })
});

export function approvalText(p: PendingApproval): string {
	const why = p.reasons.length ? ` (${p.reasons.slice(0, 2).join('; ')})` : '';
	return `${p.askedBy} asked; the router proposes ${p.modelId}${why}.`;
}

export class ApprovalAttention {
	/** Whether the page is hidden (another tab or window is in front). */
	away = $state(false);
	permission = $state<NotifyPermission>('unsupported');
	pending = $state<PendingApproval | null>(null);

	readonly #host: AttentionHost;
	readonly #notified = new Set<string>();
	readonly #stop: () => void;

	constructor(host: AttentionHost) {
		this.#host = host;
		this.away = host.hidden();
		this.permission = host.permission();
		this.#stop = host.onVisibilityChange(() => {
			this.away = host.hidden();
			this.#maybeNotify();
		});
	}

	/** The tab's title: a badge in front while a run waits and the page is out of sight. */
	title(base: string): string {
		return this.pending && this.away ? `(!) Approval needed · ${base}` : base;
	}

	/** Told whenever the room's waiting run changes (null: nothing waits). */
	update(pending: PendingApproval | null) {
		// Callers derive a fresh object on every change of the room: keep the old one when nothing that shows changed.
		if (JSON.stringify(pending) === JSON.stringify(this.pending)) return;
		this.pending = pending;
		this.#maybeNotify();
	}

	/** Asks the browser for permission (a click must lead here: browsers ignore requests without one). */
	async enableNotifications() {
		this.permission = await this.#host.requestPermission();
	}

	destroy() {
		this.#stop();
	}

	#maybeNotify() {
		const p = this.pending;
		if (!p || !this.away || this.permission !== 'granted' || this.#notified.has(p.runId)) return;
		this.#notified.add(p.runId);
		this.#host.notify('Approval needed', approvalText(p), `approval-${p.runId}`);
	}
}
