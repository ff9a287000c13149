import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger';
import { readinessChecks } from '../readiness';
import { freshDatabase } from '../../tests/helpers/databases';
import { freshRedisPrefix } from '../../tests/helpers/redis';
import { createRedisHub } from './redis';

describe('createRedisHub', () => {
	const redis = freshRedisPrefix();
	afterAll(() => redis.drop());

	it('names keys under the prefix, answers /api/ready and closes every client it opened', async () => {
		const hub = await createRedisHub(redis, silentLogger());
		expect(hub.key('runs', 'r1')).toBe(`${redis.prefix}:runs:r1`);
		await hub.commands.set(hub.key('probe'), 'yes');
		const own = await hub.connect('reader');
		expect(await own.get(hub.key('probe'))).toBe('yes');

		const database = await freshDatabase('sqlite');
		const checks = await readinessChecks({ db: database.db, modelsDir: '.', redis: hub })();
		expect(checks.map((c) => [c.name, c.ok])).toEqual([
			['database', true],
			['models_dir', true],
			['redis', true]
		]);
		await hub.close();
		expect(own.isOpen).toBe(false);
		expect(hub.commands.isOpen).toBe(false);
		await database.drop();
	});

	it('fails fast with a message naming REDIS_URL when Redis cannot be reached', async () => {
		await expect(createRedisHub({ url: 'redis://127.0.0.1:1', prefix: 'x' }, silentLogger())).rejects.toThrow(
			/Cannot reach Redis at REDIS_URL/
		);
	});
});
