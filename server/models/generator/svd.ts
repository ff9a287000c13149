// Randomised truncated SVD (Halko, Martinsson & Tropp 2011) of a sparse matrix, in plain TypeScript.
// Tall dense matrices are arrays of columns so every inner loop runs over contiguous memory.
import type { Rng } from './prng';

/** Compressed sparse rows. */
export interface SparseMatrix {
	rows: number;
	cols: number;
	rowStart: Int32Array; // length rows + 1
	colIndex: Int32Array;
	values: Float64Array;
}

export type Columns = Float64Array[];

export interface TruncatedSvd {
	/** rank columns of length rows. */
	u: Columns;
	/** Singular values, descending. */
	s: Float64Array;
	/** rank columns of length cols. */
	v: Columns;
}

export function sparseFromTriplets(rows: number, cols: number, entries: ReadonlyArray<readonly [number, number, number]>): SparseMatrix {
	const sorted = [...entries].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	const rowStart = new Int32Array(rows + 1);
	for (const [r] of sorted) rowStart[r + 1]++;
	for (let r = 0; r < rows; r++) rowStart[r + 1] += rowStart[r];
	return {
		rows,
		cols,
		rowStart,
		colIndex: Int32Array.from(sorted, (e) => e[1]),
		values: Float64Array.from(sorted, (e) => e[2])
	};
}

export function transpose(m: SparseMatrix): SparseMatrix {
	const entries: [number, number, number][] = [];
	for (let r = 0; r < m.rows; r++) {
		for (let k = m.rowStart[r]; k < m.rowStart[r + 1]; k++) entries.push([m.colIndex[k], r, m.values[k]]);
	}
	return sparseFromTriplets(m.cols, m.rows, entries);
}

/** m · x for every column x. */
export function multiply(m: SparseMatrix, x: Columns): Columns {
	return x.map((col) => {
		const out = new Float64Array(m.rows);
		for (let r = 0; r < m.rows; r++) {
			let sum = 0;
			for (let k = m.rowStart[r]; k < m.rowStart[r + 1]; k++) sum += m.values[k] * col[m.colIndex[k]];
			out[r] = sum;
		}
		return out;
	});
}

function dot(a: Float64Array, b: Float64Array): number {
	let sum = 0;
	for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
	return sum;
}

/**
 * Modified Gram–Schmidt. One pass is enough between power iterations; the final basis gets a second pass
 * ("twice is enough") so it is orthonormal to machine precision.
 */
export function orthonormalize(columns: Columns, passes = 1): Columns {
	const q = columns.map((c) => Float64Array.from(c));
	for (let pass = 0; pass < passes; pass++) {
		for (let j = 0; j < q.length; j++) {
			for (let i = 0; i < j; i++) {
				const proj = dot(q[i], q[j]);
				for (let k = 0; k < q[j].length; k++) q[j][k] -= proj * q[i][k];
			}
			const norm = Math.sqrt(dot(q[j], q[j]));
			// A dependent column becomes zero rather than amplified noise.
			const scale = norm > 1e-12 ? 1 / norm : 0;
			for (let k = 0; k < q[j].length; k++) q[j][k] *= scale;
		}
	}
	return q;
}

/** Cyclic Jacobi eigen-decomposition of a symmetric n×n row-major matrix; eigenpairs sorted descending. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Columns } {
	const a = Float64Array.from(matrix);
	const v = new Float64Array(n * n);
	for (let i = 0; i < n; i++) v[i * n + i] = 1;
	for (let sweep = 0; sweep < 50; sweep++) {
		let off = 0;
		for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
		if (off < 1e-22) break;
		for (let p = 0; p < n; p++) {
			for (let q = p + 1; q < n; q++) {
				const apq = a[p * n + q];
				if (Math.abs(apq) < 1e-300) continue;
				const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
				const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
				const c = 1 / Math.sqrt(t * t + 1);
				const s = t * c;
				for (let k = 0; k < n; k++) {
					const akp = a[k * n + p],
						akq = a[k * n + q];
					a[k * n + p] = c * akp - s * akq;
					a[k * n + q] = s * akp + c * akq;
				}
				for (let k = 0; k < n; k++) {
					const apk = a[p * n + k],
						aqk = a[q * n + k];
					a[p * n + k] = c * apk - s * aqk;
					a[q * n + k] = s * apk + c * aqk;
				}
				for (let k = 0; k < n; k++) {
					const vkp = v[k * n + p],
						vkq = v[k * n + q];
					v[k * n + p] = c * vkp - s * vkq;
					v[k * n + q] = s * vkp + c * vkq;
				}
			}
		}
	}
	const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x] || x - y);
	return {
		values: Float64Array.from(order, (i) => a[i * n + i]),
		vectors: order.map((col) => Float64Array.from({ length: n }, (_, k) => v[k * n + col]))
	};
}

/** Σ_i columns[i] · weights[i] */
function combine(columns: Columns, weights: Float64Array, length: number): Float64Array {
	const out = new Float64Array(length);
	columns.forEach((col, i) => {
		const w = weights[i];
		if (w !== 0) for (let k = 0; k < length; k++) out[k] += w * col[k];
	});
	return out;
}

export interface RandomizedSvdOptions {
	rng: Rng;
	oversample?: number;
	powerIterations?: number;
}

export function randomizedSvd(m: SparseMatrix, rank: number, options: RandomizedSvdOptions): TruncatedSvd {
	const { rng, oversample = 10, powerIterations = 2 } = options;
	const width = Math.min(rank + oversample, m.rows, m.cols);
	const mt = transpose(m);
	const omega: Columns = Array.from({ length: width }, () => Float64Array.from({ length: m.cols }, () => rng.gaussian()));

	// Range finder with power iterations: sharpens the spectrum so the top singular vectors dominate.
	let q = orthonormalize(multiply(m, omega));
	for (let i = 0; i < powerIterations; i++) q = orthonormalize(multiply(m, orthonormalize(multiply(mt, q))));
	q = orthonormalize(q, 2);

	// B = Qᵀ M, kept as its transpose (columns of length cols); the small SVD comes from eig(B Bᵀ).
	const bt = multiply(mt, q);
	const gram = new Float64Array(width * width);
	for (let i = 0; i < width; i++) {
		for (let j = i; j < width; j++) gram[i * width + j] = gram[j * width + i] = dot(bt[i], bt[j]);
	}
	const eig = symmetricEigen(gram, width);

	const kept = Math.min(rank, width);
	const s = new Float64Array(kept);
	const u: Columns = [];
	const v: Columns = [];
	for (let k = 0; k < kept; k++) {
		const sigma = Math.sqrt(Math.max(eig.values[k], 0));
		s[k] = sigma;
		u.push(combine(q, eig.vectors[k], m.rows));
		const vk = combine(bt, eig.vectors[k], m.cols);
		const inv = sigma > 1e-9 ? 1 / sigma : 0;
		for (let j = 0; j < vk.length; j++) vk[j] *= inv;
		v.push(vk);
	}
	return { u, s, v };
}
