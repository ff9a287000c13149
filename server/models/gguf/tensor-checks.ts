// The tensor table checked the way ggml's GGUF reader (gguf.cpp) will read it: every tensor of a type llama.cpp
// knows, whole blocks per row, stored in order and padded to the alignment, and its data inside the file.
import type { GgufTensorInfo } from 'node-llama-cpp';
import { ggmlBlockLayout, ggmlTypeLabel, ggmlTypeName } from './ggml-types';

export type TensorProblemKind = 'missing-tensor' | 'tensor-shape' | 'unknown-tensor-type' | 'bad-tensor' | 'truncated';

export interface TensorProblem {
	problem: TensorProblemKind | 'bad-value';
	detail: string;
}

export interface TensorTable {
	tensors: readonly GgufTensorInfo[];
	fileSize: number;
	/** general.alignment (32 when absent): every tensor starts on a multiple of it. */
	alignment: number;
}

/** ggml allows at most four dimensions (GGML_MAX_DIMS). */
const MAX_DIMS = 4;

export const formatShape = (dims: readonly number[]) => `[${dims.join(', ')}]`;

/** Problems in how tensors are stored; a valid table gives []. */
export function checkTensorStorage({ tensors, fileSize, alignment }: TensorTable): TensorProblem[] {
	const problems: TensorProblem[] = [];
	const seen = new Set<string>();
	// Where the next tensor must start inside the data section; unknown after a tensor whose size cannot be computed.
	let expectedOffset: number | undefined = 0;
	let truncated = false;
	for (const tensor of tensors) {
		const { name } = tensor;
		if (seen.has(name)) problems.push({ problem: 'bad-tensor', detail: `tensor ${name} appears more than once` });
		seen.add(name);
		const dims = tensor.dimensions.map(Number);
		if (dims.length === 0 || dims.length > MAX_DIMS || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
			problems.push({
				problem: 'bad-tensor',
				detail: `tensor ${name} has shape ${formatShape(dims)}: llama.cpp needs 1 to ${MAX_DIMS} dimensions, each a whole number`
			});
			expectedOffset = undefined;
			continue;
		}
		const layout = ggmlBlockLayout(tensor.ggmlType);
		if (!layout) {
			problems.push({
				problem: 'unknown-tensor-type',
				detail: `tensor ${name} has ggml type ${ggmlTypeLabel(tensor.ggmlType)}, which llama.cpp cannot load`
			});
			expectedOffset = undefined;
			continue;
		}
		const [blockValues, blockBytes] = layout;
		if (dims[0] % blockValues !== 0) {
			problems.push({
				problem: 'bad-tensor',
				detail: `tensor ${name} (${ggmlTypeName(tensor.ggmlType)}) has rows of ${dims[0]} values, not a multiple of the type's block of ${blockValues}`
			});
		}
		const bytes = Math.ceil(dims.reduce((n, d) => n * d, 1) / blockValues) * blockBytes;
		const offset = Number(tensor.offset);
		if (expectedOffset !== undefined && offset !== expectedOffset) {
			problems.push({
				problem: 'bad-tensor',
				detail: `tensor ${name} starts at data offset ${offset}, expected ${expectedOffset} (tensors are stored in order, each padded to ${alignment} bytes)`
			});
		}
		const end = Number(tensor.fileOffset) + bytes;
		// Only the first: every later tensor of a cut-off file ends past its end too.
		if (end > fileSize && !truncated) {
			truncated = true;
			problems.push({
				problem: 'truncated',
				detail: `tensor ${name} (${ggmlTypeName(tensor.ggmlType)}) ends at byte ${end} but the file has ${fileSize} bytes: truncated or incomplete download`
			});
		}
		expectedOffset = Math.ceil((offset + bytes) / alignment) * alignment;
	}
	return problems;
}
