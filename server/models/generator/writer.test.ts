import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16';
import { encodeGguf, gguf, type GgufFile } from './writer';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'sy-writer-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('float16', () => {
	it('converts known values', () => {
		expect(float32ToFloat16Bits(1)).toBe(0x3c00);
		expect(float32ToFloat16Bits(-2)).toBe(0xc000);
		expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
		expect(float32ToFloat16Bits(65504)).toBe(0x7bff); // largest finite half
		expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
		expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
		expect(float32ToFloat16Bits(1e-9)).toBe(0);
		expect(float32ToFloat16Bits(-0)).toBe(0x8000);
		expect(float32ToFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
	});

	it('rounds half to even', () => {
		expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 0x3c00 and 0x3c01: keep even
		expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway between 0x3c01 and 0x3c02: go even
		expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above halfway
	});

	it('round-trips every finite half value exactly', () => {
		for (let bits = 0; bits < 0x10000; bits++) {
			const value = float16BitsToFloat32(bits);
			if (Number.isNaN(value)) continue;
			if (float32ToFloat16Bits(value) !== bits)
				throw new Error(`0x${bits.toString(16)} → ${value} → 0x${float32ToFloat16Bits(value).toString(16)}`);
		}
	});
});

describe('encodeGguf', () => {
	const file: GgufFile = {
		metadata: [
			['general.architecture', gguf.string('llama')],
			['test.u32', gguf.u32(4_000_000_000)],
			['test.i32', gguf.i32(-7)],
			['test.f32', gguf.f32(0.5)],
			['test.f64', gguf.f64(1 / 3)],
			['test.u64', gguf.u64(2n ** 40n)],
			['test.bool', gguf.bool(true)],
			['test.text', gguf.string('héllo ▁world')],
			['test.strings', gguf.strings(['a', '▁b', ''])],
			['test.floats', gguf.f32s([1.5, -2])],
			['test.ints', gguf.i32s([3, -4])]
		],
		tensors: [
			{ name: 'a', dims: [3], type: 'F32', data: Float32Array.from([1, 2, 3]) },
			{ name: 'b', dims: [2, 3], type: 'F16', data: Float32Array.from([1, -2, 0.5, 0.25, 65504, 0]) },
			{ name: 'c', dims: [5], type: 'F32', data: new Float32Array(5).fill(7) }
		]
	};

	it('writes metadata that node-llama-cpp reads back with the same values', async () => {
		const bytes = encodeGguf(file);
		const target = path.join(dir, 'values.gguf');
		await writeFile(target, bytes);
		const info = await readGgufFileInfo(target, { logWarnings: false });
		expect(info.version).toBe(3);
		const test = (info.metadata as unknown as { test: Record<string, unknown> }).test;
		expect(test).toMatchObject({
			u32: 4_000_000_000,
			i32: -7,
			f32: 0.5,
			bool: true,
			text: 'héllo ▁world',
			strings: ['a', '▁b', ''],
			ints: [3, -4]
		});
		expect(test.f64).toBeCloseTo(1 / 3, 15);
		expect(Number(test.u64)).toBe(2 ** 40);
		expect(test.floats).toEqual([1.5, -2]);
	});

	it('aligns every tensor to 32 bytes and stores F32 and F16 data exactly', async () => {
		const bytes = encodeGguf(file);
		const target = path.join(dir, 'tensors.gguf');
		await writeFile(target, bytes);
		const info = await readGgufFileInfo(target, { logWarnings: false });
		const tensors = info.tensorInfo!;
		expect(tensors.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType])).toEqual([
			['a', [3], 0],
			['b', [2, 3], 1],
			['c', [5], 0]
		]);
		for (const t of tensors) expect(Number(t.fileOffset) % 32).toBe(0);
		const raw = await readFile(target);
		const at = (name: string) => Number(tensors.find((t) => t.name === name)!.fileOffset);
		expect([0, 1, 2].map((i) => raw.readFloatLE(at('a') + 4 * i))).toEqual([1, 2, 3]);
		expect([0, 1, 2, 3, 4, 5].map((i) => float16BitsToFloat32(raw.readUInt16LE(at('b') + 2 * i)))).toEqual([1, -2, 0.5, 0.25, 65504, 0]);
		expect(raw.readFloatLE(at('c') + 16)).toBe(7);
	});

	it('is deterministic and rejects data that does not match the dims', () => {
		expect(encodeGguf(file).equals(encodeGguf(file))).toBe(true);
		expect(() => encodeGguf({ metadata: [], tensors: [{ name: 'x', dims: [2, 2], type: 'F32', data: new Float32Array(3) }] })).toThrow(
			/x: dims \[2, 2\] need 4 values, got 3/
		);
	});
});
