// IEEE 754 half-precision conversion (Node 20 has no Float16Array). Round to nearest, ties to even, like ggml.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToFloat16Bits(value: number): number {
	f32[0] = value;
	const x = u32[0];
	const sign = (x >>> 16) & 0x8000;
	const exponent = (x >>> 23) & 0xff;
	let mantissa = x & 0x7fffff;

	if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf or NaN
	const e = exponent - 127 + 15;
	if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
	if (e <= 0) {
		if (e < -10) return sign; // underflow → ±0
		// Subnormal half: shift the implicit leading 1 into the mantissa.
		mantissa |= 0x800000;
		const shift = 14 - e;
		const half = mantissa >>> shift;
		const rest = mantissa & ((1 << shift) - 1);
		const midpoint = 1 << (shift - 1);
		const roundUp = rest > midpoint || (rest === midpoint && (half & 1) === 1);
		return sign | (half + (roundUp ? 1 : 0));
	}
	const half = (e << 10) | (mantissa >>> 13);
	const rest = mantissa & 0x1fff;
	const roundUp = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1);
	// A carry out of the mantissa correctly bumps the exponent (and may reach Inf).
	return sign | (half + (roundUp ? 1 : 0));
}

export function float16BitsToFloat32(bits: number): number {
	const sign = bits & 0x8000 ? -1 : 1;
	const exponent = (bits >>> 10) & 0x1f;
	const mantissa = bits & 0x3ff;
	if (exponent === 0) return sign * mantissa * 2 ** -24;
	if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
	return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
