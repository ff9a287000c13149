// Reading values out of node-llama-cpp's parsed GGUF metadata, which nests dotted keys ("llama.attention.head_count").

/** The value at a dotted key, or undefined. */
export function lookup(metadata: unknown, key: string): unknown {
	return key
		.split('.')
		.reduce<unknown>(
			(node, part) => (node != null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
			metadata
		);
}

/**
 * A count as llama.cpp reads it: a number, or the first entry of a per-layer array (llama.cpp's llama graph sizes
 * every layer from layer 0). Undefined when absent or not a count.
 */
export function countAt(metadata: unknown, key: string): number | undefined {
	const raw = lookup(metadata, key);
	const value = Array.isArray(raw) ? raw[0] : raw;
	if (typeof value === 'bigint') return Number(value);
	return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
