import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeRun } from '../../server/orchestrator/nodes/summarizer';
import { testApp } from '../helpers/app';

let app: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
	app = await testApp({ CLASSIFIER_MODEL: 'sy-tiny', SUMMARY_MODEL: 'sy-tiny' });
}, 120_000);
afterAll(() => app.ctx.close());

describe('helper models', () => {
	it('a configured classifier model answers under a JSON grammar and is merged with the heuristics', async () => {
		const run = await app.ctx.orchestrator.start({
			roomId: app.room.id,
			authorId: app.user.id,
			request: {
				prompt: 'Write a TypeScript function that adds two numbers',
				mode: 'orchestrated',
				sampling: { maxTokens: 16, seed: 1 },
				approvalGate: false
			}
		});
		await app.ctx.orchestrator.waitForRun(run.id);
		const events = await app.ctx.runs.eventsAfter(run.id, 0);
		const analyzed = events.find((e) => e.type === 'node.finished' && e.data.node === 'taskAnalyzer')!.data as {
			output: { features: string[] };
		};
		expect(analyzed.output.features.join(' ')).toMatch(/LLM classifier: \w+ \(/);
		expect(app.ctx.models.manager.isLoaded('sy-tiny')).toBe(true);
	});

	it('summarises with the summary model when it is loaded, and the run still succeeds', async () => {
		await app.ctx.models.manager.preload('sy-tiny'); // the summariser never loads a model itself
		const run = await app.ctx.orchestrator.start({
			roomId: app.room.id,
			authorId: app.user.id,
			request: {
				prompt: 'Explain rooms',
				mode: 'direct',
				modelId: 'sy-chat-small',
				sampling: { maxTokens: 24, seed: 2 },
				approvalGate: false
			}
		});
		const done = await app.ctx.orchestrator.waitForRun(run.id);
		expect(done!.status).toBe('succeeded');
		expect(done!.title!.length).toBeGreaterThan(0);
		expect(done!.title!.length).toBeLessThanOrEqual(60);
		const summarised = (await app.ctx.runs.eventsAfter(run.id, 0)).find((e) => e.type === 'run.summary');
		expect(summarised).toBeDefined();
		// sy-tiny was loaded (by the classifier), so the model wrote the title, not the extractive fallback.
		const extractive = summarizeRun({ prompt: 'Explain rooms', answer: (await app.ctx.runs.get(run.id))!.answer! });
		expect(done!.title).not.toBe(extractive.title);
	});
});
