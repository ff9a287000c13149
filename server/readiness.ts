import { access, constants } from 'node:fs/promises';
import { sql } from 'kysely';
import type { RedisHub } from './cluster/redis';
import type { Db } from './storage/db';

export interface ReadinessCheck {
	name: string;
	ok: boolean;
	ms: number;
	error?: string;
}

async function timed(name: string, check: () => Promise<unknown>, timeoutMs = 2000): Promise<ReadinessCheck> {
	const started = performance.now();
	try {
		await Promise.race([
			check(),
			new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref())
		]);
		return { name, ok: true, ms: Math.round(performance.now() - started) };
	} catch (err) {
		// Only the message: connection strings and paths stay out of a public endpoint.
		const message = err instanceof Error ? err.message.split('\n')[0].slice(0, 200) : 'failed';
		return { name, ok: false, ms: Math.round(performance.now() - started), error: message };
	}
}

/** Database reachable, models directory readable, and Redis answering when the process is part of a cluster. */
export function readinessChecks(deps: { db: Db; modelsDir: string; redis?: RedisHub }) {
	return () =>
		Promise.all([
			timed('database', () => sql`select 1`.execute(deps.db)),
			timed('models_dir', () => access(deps.modelsDir, constants.R_OK)),
			...(deps.redis ? [timed('redis', () => deps.redis!.ping())] : [])
		]);
}
