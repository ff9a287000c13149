import { describe, expect, it } from 'vitest';
import { RoomQueue } from './room-queue';

const deferred = () => {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
};

describe('RoomQueue', () => {
	it('queued runs of a room wait for the one before; other rooms and parallel runs do not', async () => {
		const q = new RoomQueue();
		const a = deferred();
		const b = deferred();
		expect(q.enter('r1', 'queue', a.promise)).toBeUndefined();
		expect(q.enter('r1', 'queue', b.promise)).toBe(a.promise);
		expect(q.enter('r2', 'queue', deferred().promise)).toBeUndefined();
		expect(q.enter('r1', 'parallel', deferred().promise)).toBeUndefined();
		a.resolve();
		b.resolve();
		await b.promise;
		await new Promise((r) => setTimeout(r, 0));
		expect(q.enter('r1', 'queue', deferred().promise)).toBeUndefined(); // the room's tail was cleared
	});
});
