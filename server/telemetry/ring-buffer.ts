/** Fixed-capacity FIFO: pushing onto a full buffer overwrites the oldest item. O(1) push, no array shifting. */
export class RingBuffer<T> {
	private readonly items: (T | undefined)[];
	private start = 0;
	private count = 0;

	constructor(readonly capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1)
			throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
		this.items = new Array<T | undefined>(capacity);
	}

	get size(): number {
		return this.count;
	}

	push(item: T): void {
		const end = (this.start + this.count) % this.capacity;
		this.items[end] = item;
		if (this.count < this.capacity) this.count += 1;
		else this.start = (this.start + 1) % this.capacity;
	}

	/** Oldest first. */
	toArray(): T[] {
		const out: T[] = [];
		for (let i = 0; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity] as T);
		return out;
	}

	last(): T | undefined {
		return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.capacity];
	}
}
