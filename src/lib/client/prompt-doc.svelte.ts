// The room's shared draft: the Yjs document (prompt text + run settings), who else is in it and who is typing.
// Settings are read through the contract's validators and written straight into the shared Y.Map, so a change by
// anyone shows up for everyone.
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { AppError } from '../contract/result';
import { PROMPT_TEXT, readPromptSettings, SETTINGS_MAP, type PromptSettings } from '../contract/yjs';
import { userColors } from './colors';
import type { AppSocket } from './socket';
import { SocketIoYjsProvider } from './yjs-provider';

const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export interface Peer {
	clientId: number;
	userId: string | null;
	name: string;
	color: string;
	typing: boolean;
}

export interface PromptDocOptions {
	/** After this long without a keystroke, "typing" turns off. */
	typingIdleMs?: number;
}

export class PromptDoc {
	readonly doc = new Y.Doc();
	readonly awareness = new Awareness(this.doc);
	readonly text: Y.Text;
	readonly user: { name: string; color: string; colorLight: string };

	settings = $state<PromptSettings>(readPromptSettings(this.doc));
	/** Others in the document (one entry per browser tab), with their colour and whether they are typing. */
	peers = $state<Peer[]>([]);
	empty = $state(true);
	synced = $state(false);
	error = $state<AppError | null>(null);

	#provider: SocketIoYjsProvider | null = null;
	readonly #settings: Y.Map<unknown>;
	readonly #typingIdleMs: number;
	readonly #roomId: string;
	#typingTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(roomId: string, user: { id: string; name: string }, options: PromptDocOptions = {}) {
		this.text = this.doc.getText(PROMPT_TEXT);
		this.#settings = this.doc.getMap(SETTINGS_MAP);
		this.#typingIdleMs = options.typingIdleMs ?? 2500;
		this.user = { name: user.name, ...userColors(user.name) };
		this.awareness.setLocalState({ user: { id: user.id, ...this.user }, cursor: null, typing: false });
		this.#settings.observe(this.#readSettings);
		this.text.observe(this.#onText);
		this.awareness.on('change', this.#readPeers);
		this.#roomId = roomId;
	}

	/**
	 * Starts syncing with the room's document. Called once the socket's `room:join` was accepted: the server only
	 * opens a room's document to members, and joining is what makes a visitor of a public room one.
	 */
	connect(socket: AppSocket) {
		if (this.#provider) return;
		const provider = new SocketIoYjsProvider(socket, this.#roomId, this.doc, this.awareness);
		provider.on('synced', (synced) => (this.synced = synced));
		provider.on('error', (error) => (this.error = error));
		this.#provider = provider;
	}

	set<K extends keyof PromptSettings>(key: K, value: PromptSettings[K]) {
		if (this.#settings.get(key) !== value) this.#settings.set(key, value);
	}

	setCompareModels(ids: string[]) {
		this.#settings.set('compareModels', ids.filter((id) => MODEL_ID.test(id)).slice(0, 4));
	}

	/** Compare mode's models, as validated from the shared settings. */
	get compareModels(): string[] {
		return this.settings.compareModels;
	}

	get typingPeers(): Peer[] {
		return this.peers.filter((p) => p.typing);
	}

	destroy() {
		clearTimeout(this.#typingTimer);
		this.#provider?.destroy();
		this.#settings.unobserve(this.#readSettings);
		this.text.unobserve(this.#onText);
		this.awareness.off('change', this.#readPeers);
		this.awareness.destroy();
		this.doc.destroy();
	}

	#readSettings = () => {
		this.settings = readPromptSettings(this.doc);
	};

	#onText = (_event: Y.YTextEvent, transaction: Y.Transaction) => {
		this.empty = this.text.length === 0 || this.text.toString().trim() === '';
		if (!transaction.local) return;
		if (this.awareness.getLocalState()?.typing !== true) this.awareness.setLocalStateField('typing', true);
		clearTimeout(this.#typingTimer);
		this.#typingTimer = setTimeout(() => this.awareness.setLocalStateField('typing', false), this.#typingIdleMs);
	};

	#readPeers = () => {
		const peers: Peer[] = [];
		for (const [clientId, state] of this.awareness.getStates()) {
			if (clientId === this.doc.clientID) continue;
			const user = (state as { user?: { id?: unknown; name?: unknown; color?: unknown } }).user;
			if (!user || typeof user.name !== 'string') continue;
			peers.push({
				clientId,
				userId: typeof user.id === 'string' ? user.id : null,
				name: user.name,
				color: typeof user.color === 'string' && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : '#71717a',
				typing: (state as { typing?: unknown }).typing === true
			});
		}
		this.peers = peers;
	};
}
