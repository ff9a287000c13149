import type { RoomJoined } from '$contract/events';
import type { OnlineUser, RoomDetail, RoomMember } from '$contract/rooms';
import type { AppSocket } from './socket';

export type ConnectionStatus = 'connecting' | 'live' | 'offline' | 'refused';

export interface RoomSessionOptions {
	/** Every accepted join (the first and each one after a reconnect), with the room's snapshot. */
	onJoined?: (joined: RoomJoined) => void;
}

/** A browser's live view of one room: joins on connect (and on every reconnect), tracks who is online. */
export class RoomSession {
	status = $state<ConnectionStatus>('connecting');
	error = $state<string | null>(null);
	online = $state<OnlineUser[]>([]);
	room = $state<RoomDetail | null>(null);
	removed = $state(false);

	readonly #socket: AppSocket;
	readonly #roomId: string;
	readonly #options: RoomSessionOptions;

	constructor(socket: AppSocket, roomId: string, options: RoomSessionOptions = {}) {
		this.#socket = socket;
		this.#roomId = roomId;
		this.#options = options;
		socket.on('connect', this.#join);
		socket.on('disconnect', this.#offline);
		socket.on('connect_error', this.#connectError);
		socket.on('presence', this.#presence);
		socket.on('room:removed', this.#removed);
		socket.on('room:members', this.#members);
		socket.on('room:steering', this.#steering);
		if (socket.connected) this.#join();
	}

	isOnline(userId: string): boolean {
		return this.online.some((u) => u.id === userId);
	}

	destroy() {
		this.#socket.off('connect', this.#join);
		this.#socket.off('disconnect', this.#offline);
		this.#socket.off('connect_error', this.#connectError);
		this.#socket.off('presence', this.#presence);
		this.#socket.off('room:removed', this.#removed);
		this.#socket.off('room:members', this.#members);
		this.#socket.off('room:steering', this.#steering);
		if (this.#socket.connected) this.#socket.emit('room:leave', { roomId: this.#roomId }, () => {});
	}

	#join = () => {
		this.status = 'connecting';
		this.#socket.emit('room:join', { roomId: this.#roomId }, (result) => {
			if (!result.ok) {
				this.status = 'refused';
				this.error = result.error.message;
				return;
			}
			this.#apply(result.data);
		});
	};

	#apply(joined: RoomJoined) {
		this.room = joined.room;
		this.online = joined.online;
		this.status = 'live';
		this.error = null;
		this.#options.onJoined?.(joined);
	}

	#offline = () => {
		this.status = 'offline';
	};

	#connectError = (err: Error & { data?: { code?: string } }) => {
		this.status = 'offline';
		if (err.message === 'unauthenticated') this.error = 'Your session ended; log in again.';
		else if (err.data?.code === 'rate_limited')
			this.error = err.message; // e.g. too many open tabs: the server says which limit
		else this.error = 'Cannot reach the server; retrying…';
	};

	#presence = (payload: { roomId: string; online: OnlineUser[] }) => {
		if (payload.roomId === this.#roomId) this.online = payload.online;
	};

	#members = (payload: { roomId: string; members: RoomMember[] }) => {
		if (payload.roomId === this.#roomId && this.room)
			this.room = { ...this.room, members: payload.members, memberCount: payload.members.length };
	};

	#steering = (payload: { roomId: string; steering: RoomDetail['steering'] }) => {
		if (payload.roomId === this.#roomId && this.room) this.room = { ...this.room, steering: payload.steering };
	};

	#removed = (payload: { roomId: string }) => {
		if (payload.roomId !== this.#roomId) return;
		this.removed = true;
		this.status = 'refused';
		this.error = 'You were removed from this room.';
	};
}
