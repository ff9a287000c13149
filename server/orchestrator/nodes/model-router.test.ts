import { describe, expect, it } from 'vitest';
import { GiB, candidate, modelStatus, resources } from './fixtures/resources';
import { RoutingError, routeModel } from './model-router';
import type { RoutingInput } from './types';

const coder = candidate('coder', { capabilities: ['code', 'chat'], quality: { code: 0.82, chat: 0.4 } });
const chatty = candidate('chatty', { capabilities: ['chat', 'creative'], quality: { chat: 0.7, creative: 0.6 } });

const route = (overrides: Partial<RoutingInput>) =>
	routeModel({ analysis: { task: 'code' }, candidates: [coder, chatty], resources: resources(), roomId: 'room-a', ...overrides });

describe('routeModel', () => {
	it('picks the model with the capability and says why', () => {
		const decision = route({});
		expect(decision.modelId).toBe('coder');
		expect(decision.reasons).toContain('best at code (0.82)');
		expect(decision.fallbacks.map((f) => f.modelId)).toEqual(['chatty']);
		const row = decision.table.find((r) => r.modelId === 'chatty')!;
		expect(row.capabilityFit).toBeLessThan(1); // borrows its chat ability at a discount
		expect(decision.score).toBeGreaterThan(decision.fallbacks[0].score);
	});

	it('lets the already-loaded model win a tie', () => {
		const twinA = candidate('twin-a', { capabilities: ['code'], quality: { code: 0.7 } });
		const twinB = candidate('twin-b', { capabilities: ['code'], quality: { code: 0.7 } });
		const decision = route({ candidates: [twinA, twinB], resources: resources([modelStatus('twin-b', { ramBytes: 2 * GiB })]) });
		expect(decision.modelId).toBe('twin-b');
		expect(decision.reasons).toContain('already loaded: no swap');
		expect(decision.table.find((r) => r.modelId === 'twin-a')!.swapPenalty).toBeGreaterThan(0);
	});

	it('still loads a clearly better model rather than settle for a loaded weak one', () => {
		const weak = candidate('weak', { capabilities: ['code'], quality: { code: 0.3 } });
		expect(route({ candidates: [coder, weak], resources: resources([modelStatus('weak')]) }).modelId).toBe('coder');
	});

	it('honours a usable pinned model even when another scores higher', () => {
		const decision = route({ pinnedModelId: 'chatty', pinnedBy: 'room' });
		expect(decision.modelId).toBe('chatty');
		expect(decision.reasons[0]).toBe('pinned by room');
		expect(decision.fallbacks[0].modelId).toBe('coder');
	});

	it('falls back from an unusable pinned model with the reason', () => {
		const missing = candidate('missing', { present: false });
		const decision = route({ candidates: [coder, chatty, missing], pinnedModelId: 'missing' });
		expect(decision.modelId).toBe('coder');
		expect(decision.reasons[0]).toBe('pinned model missing unusable (model file missing): using the best available instead');
		expect(route({ pinnedModelId: 'nope' }).reasons[0]).toContain('not in the catalogue');
	});

	it('excludes a model too large for the budget, with sizes in the reason', () => {
		const huge = candidate('huge', { capabilities: ['code'], quality: { code: 0.95 }, estimatedRamBytes: 12 * GiB });
		const decision = route({ candidates: [huge, coder] });
		expect(decision.modelId).toBe('coder');
		const row = decision.table.find((r) => r.modelId === 'huge')!;
		expect(row.excluded).toBe('too large: needs 12 GiB RAM but the budget is 8.0 GiB');
		expect(decision.reasons).toContain(`skipped huge: ${row.excluded}`);
		expect(decision.fallbacks.map((f) => f.modelId)).not.toContain('huge');
	});

	it('evicts idle models to fit, and penalises evicting one another room is using', () => {
		const loaded = [modelStatus('old-a', { ramBytes: 4 * GiB, lastUsedAt: 1 }), modelStatus('old-b', { ramBytes: 3 * GiB, lastUsedAt: 2 })];
		const free = route({ resources: resources(loaded) });
		const freeRow = free.table.find((r) => r.modelId === 'coder')!;
		expect(freeRow.evicts).toEqual(['old-a']); // least recently used goes first, and only as many as needed
		expect(freeRow.memoryFit).toBeLessThan(1);

		const contested = route({ resources: resources(loaded, { leasesByRoom: { 'old-a': ['room-b'] } }) });
		const contestedRow = contested.table.find((r) => r.modelId === 'coder')!;
		expect(contestedRow.swapPenalty).toBeGreaterThan(freeRow.swapPenalty + 0.2);
		expect(contestedRow.notes).toContain('would evict old-a, in use by room-b');
		// Evicting a model only this room uses costs nothing extra.
		const own = route({ resources: resources(loaded, { leasesByRoom: { 'old-a': ['room-a'] } }) });
		expect(own.table.find((r) => r.modelId === 'coder')!.swapPenalty).toBe(freeRow.swapPenalty);
	});

	it('penalises a loaded model busy with another room, so an equal idle one wins', () => {
		const twinA = candidate('twin-a', { capabilities: ['code'], quality: { code: 0.7 } });
		const twinB = candidate('twin-b', { capabilities: ['code'], quality: { code: 0.7 } });
		const snapshot = resources([modelStatus('twin-a', { leases: 1, queued: 2 }), modelStatus('twin-b')], {
			leasesByRoom: { 'twin-a': ['room-b'] }
		});
		const decision = route({ candidates: [twinA, twinB], resources: snapshot });
		expect(decision.modelId).toBe('twin-b');
		expect(decision.table.find((r) => r.modelId === 'twin-a')!.notes).toContain('busy in room-b: may wait for a slot');
		// The same lease held by this room is a much smaller cost.
		const ownSnapshot = resources([modelStatus('twin-a', { leases: 1 }), modelStatus('twin-b')], {
			leasesByRoom: { 'twin-a': ['room-a'] }
		});
		const ownRow = route({ candidates: [twinA, twinB], resources: ownSnapshot }).table.find((r) => r.modelId === 'twin-a')!;
		expect(ownRow.swapPenalty).toBeLessThan(decision.table.find((r) => r.modelId === 'twin-a')!.swapPenalty);
	});

	it('excludes a model that only fits by evicting busy or pinned models', () => {
		const snapshot = resources(
			[modelStatus('busy', { ramBytes: 5 * GiB, leases: 1 }), modelStatus('pinned', { ramBytes: 2 * GiB, pinned: true })],
			{
				leasesByRoom: { busy: ['room-b'] }
			}
		);
		const decision = route({ candidates: [coder, chatty, candidate('busy'), candidate('pinned')], resources: snapshot });
		const row = decision.table.find((r) => r.modelId === 'coder')!;
		expect(row.excluded).toMatch(
			/^cannot fit now: needs 2\.0 GiB RAM, 1\.0 GiB free even after evicting idle models; held by busy \(1 run\(s\): room-b\), pinned \(pinned\)$/
		);
		expect(decision.modelId).not.toBe('coder');
	});

	it('excludes models whose file is missing and models the caller excluded', () => {
		const decision = route({
			candidates: [candidate('coder', { ...coder, present: false }), chatty, candidate('tried')],
			exclude: ['tried']
		});
		expect(decision.modelId).toBe('chatty');
		expect(decision.table.find((r) => r.modelId === 'coder')!.excluded).toBe('model file missing');
		expect(decision.table.find((r) => r.modelId === 'tried')!.excluded).toContain('already tried');
		expect(decision.reasons).toContain('no usable model lists code: using its chat ability (0.7 × 0.3)');
	});

	it('throws a RoutingError naming every reason when nothing is usable', () => {
		const attempt = () => route({ candidates: [candidate('a', { present: false }), candidate('b', { estimatedRamBytes: 99 * GiB })] });
		expect(attempt).toThrow(RoutingError);
		try {
			attempt();
		} catch (error) {
			const routing = error as RoutingError;
			expect(routing.code).toBe('no_usable_model');
			expect(routing.message).toMatch(/^No usable model for code: a \(model file missing\); b \(too large: needs 99 GiB RAM/);
			expect(routing.table).toHaveLength(2);
		}
		expect(() => route({ candidates: [] })).toThrow('catalogue is empty');
	});

	it('is deterministic and orders fallbacks by score', () => {
		const many = [
			coder,
			chatty,
			candidate('reasoner', { capabilities: ['reasoning'], quality: { reasoning: 0.9 } }),
			candidate('mathy', { capabilities: ['math'], quality: { math: 0.9 } })
		];
		const first = route({ candidates: many });
		expect(route({ candidates: [...many].reverse() })).toEqual({ ...first, table: [...first.table].reverse() });
		const scores = first.fallbacks.map((f) => f.score);
		expect(scores).toEqual([...scores].sort((a, b) => b - a));
	});
});
