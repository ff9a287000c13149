// GGUF v3 writer: header, typed metadata key/values, tensor infos, 32-byte aligned tensor data.
// Only what the generated models need (F32/F16 tensors), but every GGUF value type can be written so tests can
// build deliberately broken or unusual files with the same code.
import { float32ToFloat16Bits } from './float16';

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value type ids (gguf.md, "gguf_metadata_value_type"). */
const valueTypeId = {
	u8: 0,
	i8: 1,
	u16: 2,
	i16: 3,
	u32: 4,
	i32: 5,
	f32: 6,
	bool: 7,
	string: 8,
	array: 9,
	u64: 10,
	i64: 11,
	f64: 12
} as const;

export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigIntType = 'u64' | 'i64';

/** One metadata value with its exact on-disk type: llama.cpp checks types strictly (u32 ≠ i32, f32 ≠ f64). */
export type GgufValue =
	| { type: GgufNumberType; value: number }
	| { type: GgufBigIntType; value: bigint }
	| { type: 'bool'; value: boolean }
	| { type: 'string'; value: string }
	| { type: 'array'; itemType: GgufNumberType; values: ArrayLike<number> }
	| { type: 'array'; itemType: 'string'; values: readonly string[] }
	| { type: 'array'; itemType: 'bool'; values: readonly boolean[] };

export const gguf = {
	u32: (value: number): GgufValue => ({ type: 'u32', value }),
	i32: (value: number): GgufValue => ({ type: 'i32', value }),
	f32: (value: number): GgufValue => ({ type: 'f32', value }),
	f64: (value: number): GgufValue => ({ type: 'f64', value }),
	u64: (value: bigint): GgufValue => ({ type: 'u64', value }),
	bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
	string: (value: string): GgufValue => ({ type: 'string', value }),
	strings: (values: readonly string[]): GgufValue => ({ type: 'array', itemType: 'string', values }),
	f32s: (values: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'f32', values }),
	i32s: (values: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'i32', values }),
	u32s: (values: ArrayLike<number>): GgufValue => ({ type: 'array', itemType: 'u32', values })
};

/** ggml tensor types this writer can encode. */
export const GgmlTensorType = { F32: 0, F16: 1 } as const;
export type GgmlTensorTypeName = keyof typeof GgmlTensorType;

export interface GgufTensor {
	name: string;
	/** ggml order: dims[0] is the contiguous axis (e.g. token_embd is [n_embd, n_vocab]). */
	dims: readonly number[];
	type: GgmlTensorTypeName;
	/** Row-major values with dims[0] varying fastest; length must equal the product of dims. */
	data: Float32Array;
}

export interface GgufFile {
	/** Insertion order is file order, so the same input always yields the same bytes. */
	metadata: ReadonlyArray<readonly [string, GgufValue]>;
	tensors: readonly GgufTensor[];
	alignment?: number;
}

/** Appends little-endian primitives to a growing list of chunks. */
class ByteSink {
	private readonly chunks: Buffer[] = [];
	length = 0;

	bytes(buf: Buffer): void {
		this.chunks.push(buf);
		this.length += buf.length;
	}
	private fixed(size: number, write: (b: Buffer) => void): void {
		const b = Buffer.alloc(size);
		write(b);
		this.bytes(b);
	}
	u32(v: number): void {
		this.fixed(4, (b) => b.writeUInt32LE(v));
	}
	u64(v: bigint | number): void {
		this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(v)));
	}
	string(s: string): void {
		const utf8 = Buffer.from(s, 'utf8');
		this.u64(utf8.length);
		this.bytes(utf8);
	}
	padTo(alignment: number): void {
		const pad = (alignment - (this.length % alignment)) % alignment;
		if (pad > 0) this.bytes(Buffer.alloc(pad));
	}
	toBuffer(): Buffer {
		return Buffer.concat(this.chunks, this.length);
	}
}

function numberBytes(type: GgufNumberType, values: ArrayLike<number>): Buffer {
	const size = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8 }[type];
	const b = Buffer.alloc(size * values.length);
	for (let i = 0; i < values.length; i++) {
		const v = values[i],
			at = i * size;
		switch (type) {
			case 'u8':
				b.writeUInt8(v, at);
				break;
			case 'i8':
				b.writeInt8(v, at);
				break;
			case 'u16':
				b.writeUInt16LE(v, at);
				break;
			case 'i16':
				b.writeInt16LE(v, at);
				break;
			case 'u32':
				b.writeUInt32LE(v, at);
				break;
			case 'i32':
				b.writeInt32LE(v, at);
				break;
			case 'f32':
				b.writeFloatLE(v, at);
				break;
			case 'f64':
				b.writeDoubleLE(v, at);
				break;
		}
	}
	return b;
}

function writeValue(sink: ByteSink, value: GgufValue): void {
	sink.u32(valueTypeId[value.type]);
	switch (value.type) {
		case 'string':
			sink.string(value.value);
			return;
		case 'bool':
			sink.bytes(Buffer.from([value.value ? 1 : 0]));
			return;
		case 'u64':
			sink.u64(value.value);
			return;
		case 'i64': {
			const b = Buffer.alloc(8);
			b.writeBigInt64LE(value.value);
			sink.bytes(b);
			return;
		}
		case 'array': {
			sink.u32(valueTypeId[value.itemType]);
			sink.u64(value.values.length);
			if (value.itemType === 'string') for (const s of value.values as readonly string[]) sink.string(s);
			else if (value.itemType === 'bool') sink.bytes(Buffer.from((value.values as readonly boolean[]).map((v) => (v ? 1 : 0))));
			else sink.bytes(numberBytes(value.itemType, value.values as ArrayLike<number>));
			return;
		}
		default:
			sink.bytes(numberBytes(value.type, [value.value]));
			return;
	}
}

function tensorBytes(tensor: GgufTensor): Buffer {
	const count = tensor.dims.reduce((a, b) => a * b, 1);
	if (tensor.data.length !== count) {
		throw new Error(`GGUF tensor ${tensor.name}: dims [${tensor.dims.join(', ')}] need ${count} values, got ${tensor.data.length}`);
	}
	if (tensor.type === 'F32') return Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
	const halves = new Uint16Array(count);
	for (let i = 0; i < count; i++) halves[i] = float32ToFloat16Bits(tensor.data[i]);
	return Buffer.from(halves.buffer);
}

/** Serialises a GGUF v3 file. general.alignment, if given in metadata, must match `alignment`. */
export function encodeGguf(file: GgufFile): Buffer {
	const alignment = file.alignment ?? GGUF_DEFAULT_ALIGNMENT;
	const sink = new ByteSink();
	sink.bytes(Buffer.from(GGUF_MAGIC, 'ascii'));
	sink.u32(GGUF_VERSION);
	sink.u64(file.tensors.length);
	sink.u64(file.metadata.length);
	for (const [key, value] of file.metadata) {
		sink.string(key);
		writeValue(sink, value);
	}

	// Tensor infos carry offsets relative to the start of the data section, each rounded up to the alignment.
	const payloads = file.tensors.map(tensorBytes);
	let offset = 0;
	file.tensors.forEach((tensor, i) => {
		sink.string(tensor.name);
		sink.u32(tensor.dims.length);
		for (const d of tensor.dims) sink.u64(d);
		sink.u32(GgmlTensorType[tensor.type]);
		sink.u64(offset);
		offset = alignUp(offset + payloads[i].length, alignment);
	});

	sink.padTo(alignment);
	for (const payload of payloads) {
		sink.bytes(payload);
		sink.padTo(alignment);
	}
	return sink.toBuffer();
}

function alignUp(n: number, alignment: number): number {
	return Math.ceil(n / alignment) * alignment;
}
