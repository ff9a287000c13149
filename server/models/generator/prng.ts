// Seeded PRNG so a generated model is byte-for-byte reproducible (Math.random never appears in a build).

/** Mulberry32: tiny, fast, good enough for initialising weights and random projections. */
export function createRng(seed: number): Rng {
	let state = seed >>> 0;
	const next = (): number => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	// Box–Muller; the spare value is kept so every call costs one log/sqrt on average.
	let spare: number | null = null;
	const gaussian = (): number => {
		if (spare !== null) {
			const s = spare;
			spare = null;
			return s;
		}
		const u = 1 - next(); // (0, 1]: log(0) is never taken
		const v = next();
		const r = Math.sqrt(-2 * Math.log(u));
		spare = r * Math.sin(2 * Math.PI * v);
		return r * Math.cos(2 * Math.PI * v);
	};
	return { next, gaussian };
}

export interface Rng {
	/** Uniform in [0, 1). */
	next(): number;
	/** Standard normal. */
	gaussian(): number;
}
