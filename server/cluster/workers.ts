import { workerStateSchema, type WorkerState } from '../../src/lib/contract/cluster';
import type { Logger } from '../logger';
import type { RedisHub } from './redis';

/**
 * Who serves inference in the cluster: each worker writes its state under a key that expires after a few missed
 * heartbeats, so a worker that dies (SIGKILL, lost machine) drops out by itself, with nothing to clean up.
 */
export class WorkerRegistry {
	private readonly members: string;

	constructor(
		private readonly redis: RedisHub,
		private readonly logger: Logger,
		/** A worker counts as gone this long after its last heartbeat. */
		readonly ttlMs: number
	) {
		this.members = redis.key('workers');
	}

	private stateKey(id: string) {
		return this.redis.key('worker', id);
	}

	async beat(state: WorkerState): Promise<void> {
		await this.redis.commands
			.multi()
			.set(this.stateKey(state.id), JSON.stringify(state), { PX: this.ttlMs })
			.sAdd(this.members, state.id)
			.exec();
	}

	/** A worker shutting down leaves at once instead of after its TTL. */
	async leave(id: string): Promise<void> {
		await this.redis.commands.multi().del(this.stateKey(id)).sRem(this.members, id).exec();
	}

	/** Every live worker's last state, by id; workers whose key expired are forgotten here. */
	async list(): Promise<WorkerState[]> {
		const ids = (await this.redis.commands.sMembers(this.members)).sort();
		if (ids.length === 0) return [];
		const raw = await this.redis.commands.mGet(ids.map((id) => this.stateKey(id)));
		const live: WorkerState[] = [];
		const gone: string[] = [];
		raw.forEach((value, i) => {
			if (value === null) return void gone.push(ids[i]);
			const parsed = workerStateSchema.safeParse(safeJson(value));
			if (parsed.success) live.push(parsed.data);
			else this.logger.warn({ workerId: ids[i] }, 'a worker state that does not match the schema: ignored');
		});
		if (gone.length > 0) await this.redis.commands.sRem(this.members, gone).catch(() => {});
		return live;
	}

	async isAlive(id: string): Promise<boolean> {
		return (await this.redis.commands.exists(this.stateKey(id))) === 1;
	}
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
