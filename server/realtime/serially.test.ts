import { describe, expect, it } from 'vitest';
import { serially } from './serially';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('serially', () => {
	it('starts each task only after the previous one settled, so a slow first task is not overtaken', async () => {
		const inOrder = serially();
		const log: string[] = [];
		const task = (name: string, ms: number) => async () => {
			log.push(`start ${name}`);
			await after(ms, null);
			log.push(`end ${name}`);
			return name;
		};
		const results = await Promise.all([inOrder(task('a', 30)), inOrder(task('b', 1)), inOrder(task('c', 10))]);
		expect(results).toEqual(['a', 'b', 'c']);
		expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
	});

	it('goes on after a task that failed, and hands the failure to that task’s caller only', async () => {
		const inOrder = serially();
		const failed = inOrder(async () => {
			throw new Error('boom');
		});
		const next = inOrder(async () => 'still running');
		await expect(failed).rejects.toThrow('boom');
		await expect(next).resolves.toBe('still running');
	});
});
