// Maps of maps (room → socket → subscription and the like): get-or-create and delete-and-prune.

export function mapOf<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
	let inner = outer.get(key);
	if (!inner) outer.set(key, (inner = new Map()));
	return inner;
}

export function deleteFrom<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K, innerKey: K2) {
	const inner = outer.get(key);
	inner?.delete(innerKey);
	if (inner?.size === 0) outer.delete(key);
}
