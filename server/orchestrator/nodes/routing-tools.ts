// Runs that offer tools prefer models that call functions: they come first in the ranking whatever their score, and
// the reasons say so. When no usable model can, the best one for the task still answers, and the reasons say why.

/** What the tool preference needs of a scored row. */
export interface ToolRow {
	modelId: string;
	tools: boolean;
	total: number;
	excluded?: string;
}

/** Sort key: with tools needed, function-calling models first (negative when `a` goes first); 0 otherwise. */
export const toolsFirst = (needsTools: boolean, a: ToolRow, b: ToolRow): number => (needsTools ? Number(b.tools) - Number(a.tools) : 0);

/** The reasons the tool preference adds for the chosen model. `usable` is best first. */
export function toolReasons(needsTools: boolean, chosen: ToolRow, usable: readonly ToolRow[], scored: readonly ToolRow[]): string[] {
	if (!needsTools) return [];
	if (!chosen.tools) {
		const capable = usable.filter((r) => r.tools).map((r) => r.modelId);
		if (capable.length > 0) return [`the run offers tools, but ${chosen.modelId} does not call functions (${capable.join(', ')} would)`];
		const unusable = scored.filter((r) => r.tools && r.excluded).map((r) => `${r.modelId}: ${r.excluded}`);
		return [
			`the run offers tools but no usable model calls functions${unusable.length ? ` (${unusable.join('; ')})` : ''}: the best for the task answers, its calls shaped by the tools’ grammar`
		];
	}
	const reasons = ['calls functions: preferred because the run offers tools'];
	const passedOver = usable.filter((r) => !r.tools && r.total > chosen.total);
	if (passedOver.length > 0)
		reasons.push(`ahead of higher-scoring ${passedOver.map((r) => `${r.modelId} (${r.total})`).join(', ')}, which do not call functions`);
	return reasons;
}
