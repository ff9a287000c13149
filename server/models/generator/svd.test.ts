import { describe, expect, it } from 'vitest';
import { createRng } from './prng';
import { multiply, orthonormalize, randomizedSvd, sparseFromTriplets, symmetricEigen, transpose } from './svd';

describe('symmetricEigen', () => {
	it('finds the eigenpairs of a small matrix, sorted descending', () => {
		const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
		expect(values[0]).toBeCloseTo(3, 12);
		expect(values[1]).toBeCloseTo(1, 12);
		expect(Math.abs(vectors[0][0])).toBeCloseTo(Math.SQRT1_2, 12);
	});

	it('satisfies A v = λ v on a random symmetric matrix', () => {
		const n = 12,
			rng = createRng(3);
		const a = new Float64Array(n * n);
		for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.gaussian();
		const { values, vectors } = symmetricEigen(a, n);
		for (let k = 0; k < n; k++) {
			for (let i = 0; i < n; i++) {
				let av = 0;
				for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k][j];
				expect(av).toBeCloseTo(values[k] * vectors[k][i], 9);
			}
		}
		for (let k = 1; k < n; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
	});
});

describe('randomizedSvd', () => {
	// A 40×30 sparse matrix of rank 3: three sparse outer products.
	const rng = createRng(11);
	const dense = Array.from({ length: 40 }, () => new Float64Array(30));
	for (let r = 0; r < 3; r++) {
		const u = Array.from({ length: 40 }, () => (rng.next() < 0.3 ? rng.gaussian() : 0));
		const v = Array.from({ length: 30 }, () => (rng.next() < 0.3 ? rng.gaussian() : 0));
		for (let i = 0; i < 40; i++) for (let j = 0; j < 30; j++) dense[i][j] += u[i] * v[j];
	}
	const triplets = dense.flatMap((row, i) => [...row].map((value, j) => [i, j, value] as const).filter(([, , value]) => value !== 0));
	const matrix = sparseFromTriplets(40, 30, triplets);

	it('multiplies and transposes sparse matrices', () => {
		const x = [Float64Array.from({ length: 30 }, (_, j) => j + 1)];
		const y = multiply(matrix, x)[0];
		for (let i = 0; i < 40; i++)
			expect(y[i]).toBeCloseTo(
				dense[i].reduce((s, v, j) => s + v * (j + 1), 0),
				9
			);
		const t = transpose(matrix);
		expect([t.rows, t.cols, t.values.length]).toEqual([30, 40, matrix.values.length]);
	});

	it('recovers a low-rank matrix exactly with orthonormal factors', () => {
		const svd = randomizedSvd(matrix, 3, { rng: createRng(5) });
		expect(svd.s[0]).toBeGreaterThanOrEqual(svd.s[1]);
		expect(svd.s[1]).toBeGreaterThanOrEqual(svd.s[2]);
		for (let i = 0; i < 40; i++) {
			for (let j = 0; j < 30; j++) {
				let approx = 0;
				for (let k = 0; k < 3; k++) approx += svd.u[k][i] * svd.s[k] * svd.v[k][j];
				expect(approx).toBeCloseTo(dense[i][j], 8);
			}
		}
		const q = orthonormalize(svd.u);
		for (let k = 0; k < 3; k++) for (let i = 0; i < 40; i++) expect(q[k][i]).toBeCloseTo(svd.u[k][i], 9);
	});

	it('is deterministic for a seed', () => {
		const a = randomizedSvd(matrix, 2, { rng: createRng(9) });
		const b = randomizedSvd(matrix, 2, { rng: createRng(9) });
		expect([...a.u[0]]).toEqual([...b.u[0]]);
	});
});
