// Binds a Y.Doc and its Awareness to one room over the app's Socket.IO connection, the way y-websocket's provider
// binds them to a WebSocket. Runtime imports: yjs's protocol packages and lib0 only, so it runs in browsers and Node.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ObservableV2 } from 'lib0/observable';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type { Socket } from 'socket.io-client';
import * as Y from 'yjs';
import type { ClientToServerEvents, ServerToClientEvents } from '../contract/events';
import type { AppError, Result } from '../contract/result';
import type { YjsMessagePayload } from '../contract/yjs';
import { sanitizeAwarenessUpdate } from './awareness-sanitize';

export type YjsProviderSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface YjsProviderEvents {
	/** True once the server's state has been applied after a (re)connect; false when the connection drops. */
	synced: (synced: boolean) => void;
	/** The server refused a message (not a member, too large, too fast): show it; the provider keeps going. */
	error: (error: AppError) => void;
}

export interface YjsProviderOptions {
	/** After a `rate_limited` answer, wait this long (doubling while it repeats, up to 8×) before sending again. */
	retryDelayMs?: number;
	/** Local updates go out at most once per this window (merged meanwhile); 20 ms stays under the server's 60/s. */
	sendWindowMs?: number;
	/** At most this many local updates unanswered at once: a slow server gets fewer, larger messages. */
	maxInFlight?: number;
}

export class SocketIoYjsProvider extends ObservableV2<YjsProviderEvents> {
	synced = false;
	/** The last refusal from the server, cleared by the next accepted message. */
	error: AppError | null = null;

	readonly #socket: YjsProviderSocket;
	readonly #roomId: string;
	readonly #doc: Y.Doc;
	readonly #awareness: awarenessProtocol.Awareness;
	readonly #retryDelayMs: number;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	/** Set while our awareness, refused as too fast, waits to be sent again (latest state wins). */
	#awarenessRetryTimer: ReturnType<typeof setTimeout> | undefined;
	#backoff = 1;
	/**
	 * Flow control: a local update goes out at once when nothing went out within the last window; what is typed
	 * sooner (or was refused as too fast) is merged and sent when the window ends. Sending does not wait for acks (a
	 * keystroke would otherwise wait a whole round trip, which under load is most of the latency), but at most
	 * `maxInFlight` stay unanswered. The server handles a socket's messages in the order they were sent.
	 */
	readonly #sendWindowMs: number;
	readonly #maxInFlight: number;
	#inFlight = 0;
	#lastSentAt = Number.NEGATIVE_INFINITY;
	#paceTimer: ReturnType<typeof setTimeout> | undefined;
	#unsent: Uint8Array[] = [];
	#resyncNeeded = false;
	/** Bumped on every (re)connect: acks from an older connection are ignored. */
	#generation = 0;
	#destroyed = false;

	constructor(
		socket: YjsProviderSocket,
		roomId: string,
		doc: Y.Doc,
		awareness: awarenessProtocol.Awareness,
		options: YjsProviderOptions = {}
	) {
		super();
		this.#socket = socket;
		this.#roomId = roomId;
		this.#doc = doc;
		this.#awareness = awareness;
		this.#retryDelayMs = options.retryDelayMs ?? 500;
		this.#sendWindowMs = options.sendWindowMs ?? 20;
		this.#maxInFlight = options.maxInFlight ?? 4;
		socket.on('connect', this.#onConnect);
		socket.on('disconnect', this.#onDisconnect);
		socket.on('yjs:sync', this.#onSyncMessage);
		socket.on('yjs:awareness', this.#onAwarenessMessage);
		doc.on('update', this.#onDocUpdate);
		awareness.on('update', this.#onAwarenessUpdate);
		if (socket.connected) this.#onConnect();
	}

	get roomId(): string {
		return this.#roomId;
	}

	/** Stops syncing; the server removes this client's cursor for everyone. The doc and awareness stay usable. */
	override destroy() {
		if (this.#destroyed) return;
		this.#destroyed = true;
		clearTimeout(this.#retryTimer);
		clearTimeout(this.#awarenessRetryTimer);
		clearTimeout(this.#paceTimer);
		this.#socket.off('connect', this.#onConnect);
		this.#socket.off('disconnect', this.#onDisconnect);
		this.#socket.off('yjs:sync', this.#onSyncMessage);
		this.#socket.off('yjs:awareness', this.#onAwarenessMessage);
		this.#doc.off('update', this.#onDocUpdate);
		this.#awareness.off('update', this.#onAwarenessUpdate);
		if (this.#socket.connected) this.#socket.emit('yjs:leave', { roomId: this.#roomId }, () => {});
		super.destroy();
	}

	// Every (re)connect starts with our state vector; the server answers with what we lack and asks for what it lacks.
	#onConnect = () => {
		this.#resetFlow();
		this.#sendSyncStep1();
		if (this.#awareness.getLocalState() !== null) this.#sendAwareness([this.#doc.clientID]);
	};

	#onDisconnect = () => {
		this.#resetFlow(); // the next sync hands the server whatever it did not get
		this.#setSynced(false);
		// Others' cursors are unknown while offline; the server sends them again on reconnect.
		const others = [...this.#awareness.getStates().keys()].filter((id) => id !== this.#doc.clientID);
		awarenessProtocol.removeAwarenessStates(this.#awareness, others, this);
	};

	#onSyncMessage = (payload: YjsMessagePayload) => {
		if (payload.roomId !== this.#roomId) return;
		const decoder = decoding.createDecoder(toBytes(payload.message));
		const reply = encoding.createEncoder();
		const type = syncProtocol.readSyncMessage(decoder, reply, this.#doc, this);
		if (encoding.length(reply) > 0) this.#sendSync(encoding.toUint8Array(reply), () => this.#retryLater('resync'));
		if (type === syncProtocol.messageYjsSyncStep2) {
			this.error = null;
			this.#setSynced(true);
		}
	};

	#onAwarenessMessage = (payload: YjsMessagePayload) => {
		if (payload.roomId !== this.#roomId) return;
		const safe = sanitizeAwarenessUpdate(toBytes(payload.message)); // rendered by the editor: never trust it as sent
		if (safe) awarenessProtocol.applyAwarenessUpdate(this.#awareness, safe, this);
	};

	#onDocUpdate = (update: Uint8Array, origin: unknown) => {
		// `this` marks changes that came from the server; offline edits go out with the next sync instead.
		if (origin === this || !this.#socket.connected) return;
		this.#unsent.push(update);
		this.#sendUnsent();
	};

	// Only our own changes ('local'): relaying others' states back would multiply awareness traffic.
	#onAwarenessUpdate = (change: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
		if (origin !== 'local' || !this.#socket.connected) return;
		this.#sendAwareness([...change.added, ...change.updated, ...change.removed]);
	};

	#sendSyncStep1() {
		const encoder = encoding.createEncoder();
		syncProtocol.writeSyncStep1(encoder, this.#doc);
		this.#sendSync(encoding.toUint8Array(encoder), () => this.#retryLater('resync'));
	}

	#sendUnsent() {
		if (this.#paceTimer || this.#retryTimer || this.#unsent.length === 0 || this.#inFlight >= this.#maxInFlight) return;
		const wait = this.#lastSentAt + this.#sendWindowMs - performance.now();
		if (wait > 0) {
			this.#paceTimer = setTimeout(() => {
				this.#paceTimer = undefined;
				this.#sendUnsent();
			}, wait);
			return;
		}
		const update = this.#unsent.length === 1 ? this.#unsent[0] : Y.mergeUpdates(this.#unsent);
		this.#unsent = [];
		this.#inFlight++;
		this.#lastSentAt = performance.now();
		const encoder = encoding.createEncoder();
		syncProtocol.writeUpdate(encoder, update);
		this.#sendSync(
			encoding.toUint8Array(encoder),
			() => {
				this.#unsent.unshift(update); // refused as too fast: still ours to send
				this.#retryLater('update');
			},
			() => {
				this.#inFlight--;
				this.#sendUnsent();
			}
		);
	}

	/** Sends a sync message; `onRateLimited` runs when the server refuses it as too fast, `onSettled` on any answer. */
	#sendSync(message: Uint8Array, onRateLimited: () => void, onSettled?: () => void) {
		const generation = this.#generation;
		this.#socket.emit('yjs:sync', { roomId: this.#roomId, message }, (result) => {
			if (generation !== this.#generation || this.#destroyed) return;
			if (!result.ok && result.error.code === 'rate_limited') onRateLimited();
			else this.#answered(result);
			onSettled?.();
		});
	}

	#sendAwareness(clientIds: number[]) {
		const message = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, clientIds);
		const generation = this.#generation;
		this.#socket.emit('yjs:awareness', { roomId: this.#roomId, message }, (result) => {
			if (generation !== this.#generation || this.#destroyed) return;
			if (!result.ok && result.error.code === 'rate_limited') this.#resendAwarenessLater();
			else this.#answered(result);
		});
	}

	/** Refused as too fast: send our then-current state once, a little later (the states in between do not matter). */
	#resendAwarenessLater() {
		if (this.#awarenessRetryTimer) return;
		this.#awarenessRetryTimer = setTimeout(() => {
			this.#awarenessRetryTimer = undefined;
			if (!this.#destroyed && this.#socket.connected) this.#sendAwareness([this.#doc.clientID]);
		}, this.#retryDelayMs);
	}

	#answered(result: Result<null>) {
		if (result.ok) {
			this.#backoff = 1;
			this.error = null;
			return;
		}
		this.error = result.error;
		this.emit('error', [result.error]);
	}

	#retryLater(what: 'update' | 'resync') {
		if (what === 'resync') this.#resyncNeeded = true;
		if (this.#retryTimer) return;
		const error = { code: 'rate_limited' as const, message: 'Sending too fast; retrying shortly' };
		this.error = error;
		this.emit('error', [error]);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = undefined;
			if (this.#destroyed || !this.#socket.connected) return;
			if (this.#resyncNeeded) {
				this.#resyncNeeded = false;
				this.#sendSyncStep1();
			}
			this.#sendUnsent();
		}, this.#retryDelayMs * this.#backoff);
		this.#backoff = Math.min(this.#backoff * 2, 8);
	}

	#resetFlow() {
		this.#generation += 1;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
		clearTimeout(this.#awarenessRetryTimer);
		this.#awarenessRetryTimer = undefined;
		clearTimeout(this.#paceTimer);
		this.#paceTimer = undefined;
		this.#inFlight = 0;
		this.#unsent = [];
		this.#resyncNeeded = false;
	}

	#setSynced(synced: boolean) {
		if (this.synced === synced) return;
		this.synced = synced;
		this.emit('synced', [synced]);
	}
}

/** Socket.IO delivers binary as Buffer in Node and ArrayBuffer in browsers. */
function toBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
	return data instanceof Uint8Array ? data : new Uint8Array(data);
}
