import type { RunEvent, RunSummary } from '../../src/lib/contract/runs';

export interface RunExport {
	format: 'switchyard.run';
	version: 1;
	exportedAt: string;
	run: RunSummary & { answer: string | null };
	events: RunEvent[];
}

export function exportJson(run: RunSummary & { answer: string | null }, events: RunEvent[]): RunExport {
	return { format: 'switchyard.run', version: 1, exportedAt: new Date().toISOString(), run, events };
}

const fence = (text: string) => {
	const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
	const ticks = '`'.repeat(longest + 1);
	return `${ticks}\n${text}\n${ticks}`;
};

/** A readable record of a run: what was asked, what decided the model, what came back, how long each step took. */
export function exportMarkdown(run: RunSummary & { answer: string | null }, events: RunEvent[]): string {
	const lines: string[] = [];
	lines.push(`# ${run.title ?? 'Run ' + run.id}`, '');
	lines.push(`- Run: \`${run.id}\` (${run.mode}, ${run.status})`);
	lines.push(`- Model: ${run.modelId ?? '—'}${run.task ? ` · task: ${run.task}` : ''}`);
	lines.push(
		`- Started: ${new Date(run.createdAt).toISOString()}${run.finishedAt ? ` · finished after ${((run.finishedAt - run.createdAt) / 1000).toFixed(2)} s` : ''}`
	);
	if (run.parentRunId) lines.push(`- Forked from \`${run.parentRunId}\` at ${run.forkedFromNode}`);
	if (run.metrics) {
		const m = run.metrics;
		lines.push(
			`- Tokens: ${m.promptTokens} in, ${m.completionTokens} out · ${m.tokensPerSecond.toFixed(1)} tok/s · first token ${m.timeToFirstTokenMs?.toFixed(0) ?? '—'} ms`
		);
	}
	if (run.error) lines.push(`- Error: ${run.error}`);
	lines.push('', '## Prompt', '', fence(run.prompt), '');
	const routing = events.find((e) => e.type === 'routing.decided');
	if (routing?.type === 'routing.decided') {
		lines.push('## Routing', '', `Chose **${routing.data.modelId}**:`, ...routing.data.reasons.map((r) => `- ${r}`));
		if (routing.data.fallbacks.length)
			lines.push('', `Fallbacks: ${routing.data.fallbacks.map((f) => `${f.modelId} (${f.score.toFixed(3)})`).join(', ')}`);
		lines.push('');
	}
	lines.push('## Answer', '', run.answer ? fence(run.answer) : '_No answer._', '');
	if (run.summary) lines.push('## Summary', '', run.summary, '');
	const findings = events.filter((e) => e.type === 'validation.result');
	if (findings.length) {
		lines.push('## Validation', '');
		for (const f of findings) {
			if (f.type !== 'validation.result') continue;
			lines.push(
				`- ${f.data.modelId}: ${f.data.ok ? 'passed' : 'failed'} (score ${f.data.score})${f.data.findings.length ? ' — ' + f.data.findings.map((x) => x.message).join('; ') : ''}`
			);
		}
		lines.push('');
	}
	lines.push('## Timeline', '', '| seq | time (ms) | event |', '| --- | --- | --- |');
	const t0 = events[0]?.ts ?? run.createdAt;
	for (const e of events) {
		if (e.type === 'tokens') continue;
		const what = 'node' in e.data ? `${e.type} ${e.data.node}${'ms' in e.data ? ` (${e.data.ms} ms)` : ''}` : e.type;
		lines.push(`| ${e.seq} | ${e.ts - t0} | ${what} |`);
	}
	return lines.join('\n') + '\n';
}
