import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { listen } from './listen';

describe('listen', () => {
	it('adds the listeners and removes exactly those', () => {
		const emitter = new EventEmitter<{ a: [number]; b: [string] }>();
		const seen: unknown[] = [];
		const other = (n: number) => seen.push(`other ${n}`);
		emitter.on('a', other);
		const off = listen(emitter, { a: (n) => seen.push(n), b: (s) => seen.push(s) });
		emitter.emit('a', 1);
		emitter.emit('b', 'x');
		off();
		emitter.emit('a', 2);
		expect(seen).toEqual(['other 1', 1, 'x', 'other 2']);
		expect(emitter.listenerCount('b')).toBe(0);
	});
});
