import type { ActivityItem, RoomSnapshot, TelemetrySample } from '../../src/lib/contract/live';
import { TERMINAL_STATUSES } from '../../src/lib/contract/runs';
import type { Logger } from '../logger';
import type { RunBus } from '../orchestrator/bus';
import type { Orchestrator } from '../orchestrator/runner';
import type { RunsRepository } from '../orchestrator/runs.repository';
import type { ActivityLog } from './activity';
import type { Sampler } from '../telemetry/sampler';
import { roomChannel, TELEMETRY_CHANNEL, type AppServer, type AppSocket } from '../realtime/types';

/** Packets queued for one socket beyond which it is told to resync instead of being sent more. */
export const MAX_BUFFERED_PACKETS = 1000;

// engine.io keeps unsent packets in `writeBuffer` (not in its public types): the only measure of a slow reader.
const bufferedPackets = (socket: AppSocket) => (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;

export interface RoomFeedDeps {
	bus: RunBus;
	orchestrator: Orchestrator;
	runs: RunsRepository;
	activity: ActivityLog;
	sampler?: Sampler;
	log: Logger;
}

/**
 * Everything that flows to a room without being asked: run events (one broadcast per event, encoded once for the
 * whole room), the activity feed and telemetry. A socket whose send buffer grows past MAX_BUFFERED_PACKETS stops
 * getting run events and is told to resync; its replay (run:replay) brings it back.
 */
export function createRoomFeed(io: AppServer, deps: RoomFeedDeps) {
	const lagging = new Set<string>();

	function laggingIn(channel: string): string[] {
		const ids = io.sockets.adapter.rooms.get(channel);
		if (!ids) return [];
		const out: string[] = [];
		for (const id of ids) {
			const socket = io.sockets.sockets.get(id);
			if (!socket) continue;
			if (!lagging.has(id) && bufferedPackets(socket) > MAX_BUFFERED_PACKETS) lagging.add(id);
			if (lagging.has(id)) out.push(id);
		}
		return out;
	}

	const offBus = deps.bus.subscribe(({ roomId, ...event }) => {
		const channel = roomChannel(roomId);
		const slow = laggingIn(channel);
		// Every node receives every run event from the bus, so each one sends to its own sockets only.
		for (const id of slow) io.local.to(id).emit('run:resync', { runId: event.runId });
		(slow.length ? io.local.to(channel).except(slow) : io.local.to(channel)).emit('run:event', { ...event, roomId });
	});

	const onActivity = (item: ActivityItem) => io.to(roomChannel(item.roomId)).emit('activity', item);
	deps.activity.events.on('activity', onActivity);

	const offTelemetry = deps.sampler?.subscribe((sample: TelemetrySample) => {
		// Only sockets that are in a room are in this channel: no viewers, nothing sent. Each node sends its own
		// sampler's figures to its own sockets (io.local): through the adapter every viewer would get every node's.
		io.local.to(TELEMETRY_CHANNEL).emit('telemetry', sample);
	});

	return {
		/** What a socket joining the room gets: unfinished runs, recent history, activity and telemetry. */
		async snapshot(roomId: string): Promise<RoomSnapshot> {
			const [activeRuns, recent, activity] = await Promise.all([
				deps.orchestrator.unfinished(roomId),
				deps.runs.list(roomId, { limit: 20 }),
				deps.activity.recent(roomId, 50)
			]);
			return {
				// Live runs report the last seq numbered, not the last stored: a client that saw more than this
				// knows the server restarted and lost unstored events (it rebuilds the run from the log).
				activeRuns: activeRuns.map((r) => ({ ...r, lastSeq: Math.max(r.lastSeq, deps.orchestrator.events.lastSeq(r.id) ?? 0) })),
				recentRuns: recent.filter((r) => TERMINAL_STATUSES.includes(r.status)),
				activity,
				telemetry: deps.sampler?.history() ?? []
			};
		},
		/** The socket joined a room: it gets telemetry from now on. */
		joined(socket: AppSocket) {
			void socket.join(TELEMETRY_CHANNEL);
		},
		/** The socket left a room: no telemetry once it is in none. */
		left(socket: AppSocket) {
			if (![...socket.rooms].some((r) => r.startsWith('room:'))) void socket.leave(TELEMETRY_CHANNEL);
		},
		replayed(socket: AppSocket) {
			lagging.delete(socket.id);
		},
		forget(socketId: string) {
			lagging.delete(socketId);
		},
		close() {
			offBus();
			offTelemetry?.();
			deps.activity.events.off('activity', onActivity);
		}
	};
}

export type RoomFeed = ReturnType<typeof createRoomFeed>;
