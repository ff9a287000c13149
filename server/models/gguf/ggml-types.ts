// ggml tensor types: block sizes (to size tensors and find truncated files) and names (to describe quantization).
import { GgmlType, GgufFileType } from 'node-llama-cpp';

/**
 * [values per block, bytes per block] from ggml's block structs (ggml-common.h, type_traits in ggml.c) for every type
 * llama.cpp can load. Types it dropped (Q4_2, Q4_3, the repacked Q4_0_4_4… and IQ4_NL_4_4…) are deliberately absent.
 */
const blockLayout: Partial<Record<number, readonly [number, number]>> = {
	[GgmlType.F32]: [1, 4],
	[GgmlType.F16]: [1, 2],
	[GgmlType.BF16]: [1, 2],
	[GgmlType.F64]: [1, 8],
	[GgmlType.I8]: [1, 1],
	[GgmlType.I16]: [1, 2],
	[GgmlType.I32]: [1, 4],
	[GgmlType.I64]: [1, 8],
	[GgmlType.Q4_0]: [32, 18],
	[GgmlType.Q4_1]: [32, 20],
	[GgmlType.Q5_0]: [32, 22],
	[GgmlType.Q5_1]: [32, 24],
	[GgmlType.Q8_0]: [32, 34],
	[GgmlType.Q8_1]: [32, 36],
	[GgmlType.Q2_K]: [256, 84],
	[GgmlType.Q3_K]: [256, 110],
	[GgmlType.Q4_K]: [256, 144],
	[GgmlType.Q5_K]: [256, 176],
	[GgmlType.Q6_K]: [256, 210],
	[GgmlType.Q8_K]: [256, 292],
	[GgmlType.IQ2_XXS]: [256, 66],
	[GgmlType.IQ2_XS]: [256, 74],
	[GgmlType.IQ3_XXS]: [256, 98],
	[GgmlType.IQ1_S]: [256, 50],
	[GgmlType.IQ4_NL]: [32, 18],
	[GgmlType.IQ3_S]: [256, 110],
	[GgmlType.IQ2_S]: [256, 82],
	[GgmlType.IQ4_XS]: [256, 136],
	[GgmlType.IQ1_M]: [256, 56],
	[GgmlType.TQ1_0]: [256, 54],
	[GgmlType.TQ2_0]: [256, 66],
	[GgmlType.MXFP4]: [32, 17],
	[GgmlType.NVFP4]: [64, 36],
	[GgmlType.Q1_0]: [128, 18],
	[GgmlType.Q2_0]: [64, 18]
};

/** [values per block, bytes per block], or undefined for a type llama.cpp cannot load. */
export function ggmlBlockLayout(type: number): readonly [number, number] | undefined {
	return blockLayout[type];
}

/** Bytes a tensor of this type occupies, or undefined when llama.cpp does not know the type. */
export function tensorByteSize(type: number, elements: number): number | undefined {
	const layout = blockLayout[type];
	return layout ? Math.ceil(elements / layout[0]) * layout[1] : undefined;
}

export function ggmlTypeName(type: number): string {
	return GgmlType[type] ?? `type ${type}`;
}

/** "Q4_2 (4)" or "99": for messages about a type id llama.cpp cannot load. */
export function ggmlTypeLabel(type: number): string {
	return GgmlType[type] ? `${GgmlType[type]} (${type})` : String(type);
}

/** "Q4_K_M" from general.file_type; without it, the most common tensor type ("F16"). */
export function quantizationName(fileType: number | undefined, tensorTypes: readonly number[]): string {
	const named = fileType === undefined ? undefined : GgufFileType[fileType];
	if (named) return named.replace(/^(MOSTLY|ALL)_/, '');
	const counts = new Map<number, number>();
	for (const t of tensorTypes) counts.set(t, (counts.get(t) ?? 0) + 1);
	const dominant = [...counts].sort((a, b) => b[1] - a[1])[0];
	return dominant ? ggmlTypeName(dominant[0]) : 'unknown';
}
