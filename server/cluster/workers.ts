import { workerStateSchema, type WorkerState } from '../../src/lib/contract/cluster';
import type { Logger } from '../logger';
import { safeJson, type RedisHub } from './redis';

/** How long one read of the workers' states answers later calls: well under a heartbeat. */
const LIST_REUSE_MS = 100;

/**
 * Who serves inference in the cluster: each worker writes its state under a key that expires after a few missed
 * heartbeats, so a worker that dies (SIGKILL, lost machine) drops out by itself, with nothing to clean up.
 */
export class WorkerRegistry {
	private readonly members: string;
	private recent?: { at: number; read: Promise<WorkerState[]> };

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

	/** Keeps a worker's last state alive without rewriting it: cheap, so liveness never waits for a slow state. */
	async touch(id: string): Promise<void> {
		await this.redis.commands.pExpire(this.stateKey(id), this.ttlMs);
	}

	/** A worker shutting down leaves at once instead of after its TTL. */
	async leave(id: string): Promise<void> {
		await this.redis.commands.multi().del(this.stateKey(id)).sRem(this.members, id).exec();
	}

	/**
	 * Every live worker's last state, by id; workers whose key expired are forgotten here. One run asks several times
	 * in a row (resources, candidates, placement, the answer): calls within LIST_REUSE_MS share one read.
	 */
	list(): Promise<WorkerState[]> {
		const now = Date.now();
		if (!this.recent || now - this.recent.at > LIST_REUSE_MS) {
			const read = this.read();
			this.recent = { at: now, read };
			read.catch(() => this.recent?.read === read && (this.recent = undefined)); // a failed read is not reused
		}
		return this.recent.read;
	}

	private async read(): Promise<WorkerState[]> {
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

	/** The name a worker's inference connection carries in Redis (CLIENT SETNAME), so others can see it is connected. */
	static connectionName(id: string): string {
		return `worker-${id}`;
	}

	/**
	 * Alive while its heartbeat has not expired, or while its connection to Redis is open: a worker whose event loop
	 * is starved (a model load on a busy machine) still holds its connection, and a killed one loses it at once.
	 */
	async isAlive(id: string): Promise<boolean> {
		if ((await this.redis.commands.exists(this.stateKey(id))) === 1) return true;
		const name = `${this.redis.prefix}-${WorkerRegistry.connectionName(id)}`;
		return (await this.redis.commands.clientList()).some((c) => c.name === name);
	}
}
