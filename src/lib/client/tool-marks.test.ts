// @vitest-environment jsdom
import { describe, expect, test } from 'vitest';
import { RunView } from './run-view.svelte';
import { ev, happyRun } from './test-events';
import { argumentsPreview, PREVIEW_CHARS, toolCallMark } from './tool-marks';

const RUN = 'runaaaaaaaaa';
const call = (id: string, name = 'get_weather', args = '{"city":"Paris","unit":"c"}') => ({
	modelId: 'sy-reason',
	id,
	name,
	arguments: args
});

/** The happy run with tool calls made while the executor runs (they come before its node.finished). */
function runWithCalls(calls: ReturnType<typeof call>[]) {
	const events = happyRun(RUN);
	const at = events.findIndex((e) => e.type === 'node.finished' && e.data.node === 'executor');
	const head = events.slice(0, at);
	const withCalls = [...head, ...calls.map((c, i) => ev(RUN, at + 1 + i, 'tool.call', c))];
	const tail = events.slice(at).map((e, i) => ({ ...e, seq: withCalls.length + 1 + i }));
	return [...withCalls, ...tail];
}

describe('tool call marks', () => {
	test('preview the arguments as key: value pairs, shortened to fit', () => {
		expect(argumentsPreview('{"city":"Paris","unit":"c"}')).toBe('city: "Paris", unit: "c"');
		expect(argumentsPreview('{}')).toBe('');
		expect(argumentsPreview('[1, 2]')).toBe('[1,2]');
		expect(argumentsPreview('not   json')).toBe('not json');
		const long = argumentsPreview(JSON.stringify({ text: 'x'.repeat(200) }));
		expect(long).toHaveLength(PREVIEW_CHARS);
		expect(long.endsWith('…')).toBe(true);
	});

	test('say the whole call in words, with the attempt after the first', () => {
		expect(toolCallMark(call('c1'), 1).label).toBe('Tool call get_weather(city: "Paris", unit: "c") by sy-reason');
		expect(toolCallMark(call('c1'), 2).label).toBe('Tool call get_weather(city: "Paris", unit: "c") by sy-reason, attempt 2');
	});
});

describe('RunView keeps the run’s tool calls for the graph', () => {
	test('live: each call appears as it arrives, in order, once', () => {
		const events = runWithCalls([call('c1'), call('c2', 'lookup_symbol', '{"symbol":"RunView"}')]);
		const view = new RunView(RUN);
		const first = events.findIndex((e) => e.type === 'tool.call');
		for (const e of events.slice(0, first)) view.apply(e);
		expect(view.toolCalls).toEqual([]);
		view.apply(events[first]);
		expect(view.toolCalls.map((c) => [c.name, c.preview, c.attempt])).toEqual([['get_weather', 'city: "Paris", unit: "c"', 1]]);
		for (const e of events.slice(first + 1)) view.apply(e);
		expect(view.toolCalls.map((c) => c.name)).toEqual(['get_weather', 'lookup_symbol']);
		expect(view.apply(events[first])).toBe('duplicate');
		expect(view.toolCalls).toHaveLength(2);
	});

	test('playback: a view at any position shows exactly the calls made by then', () => {
		const events = runWithCalls([call('c1'), call('c2')]);
		const second = events.findIndex((e) => e.type === 'tool.call' && e.data.id === 'c2');
		expect(RunView.fromEvents(RUN, events.slice(0, second)).toolCalls.map((c) => c.id)).toEqual(['c1']);
		expect(RunView.fromEvents(RUN, events).toolCalls.map((c) => c.id)).toEqual(['c1', 'c2']);
	});

	test('a retry’s calls carry its attempt; a recovered executor’s calls of the current attempt are dropped, to come again', () => {
		const view = new RunView(RUN);
		const events = happyRun(RUN);
		const executorStart = events.findIndex((e) => e.type === 'node.started' && e.data.node === 'executor');
		for (const e of events.slice(0, executorStart + 1)) view.apply(e);
		let seq = executorStart + 1;
		view.apply(ev(RUN, ++seq, 'tool.call', call('c1')));
		view.apply(ev(RUN, ++seq, 'retry', { attempt: 2, reason: 'invalid arguments', modelId: 'sy-code' }));
		view.apply(ev(RUN, ++seq, 'node.started', { node: 'executor' }));
		view.apply(ev(RUN, ++seq, 'tool.call', call('c2')));
		expect(view.toolCalls.map((c) => [c.id, c.attempt])).toEqual([
			['c1', 1],
			['c2', 2]
		]);
		view.apply(ev(RUN, ++seq, 'run.started', { recovered: true }));
		expect(view.toolCalls.map((c) => c.id)).toEqual(['c1']);
	});
});
